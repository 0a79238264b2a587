"""The web app: accounts, the morning page, feedback and curation, profile, settings, and a
JSON API. ``create_app`` builds it; ``aube serve`` (``aube.web.server``) runs it."""

from aube.web.app import BackgroundTask, create_app

__all__ = ["BackgroundTask", "create_app"]
