"""The web app: accounts, the morning page, feedback and curation, profile, settings, and a
JSON API. ``aube.web.app.create_app`` builds it; ``aube serve`` (``aube.web.server``) runs it.

This package's ``__init__`` imports nothing, so the small modules the CLI uses (passwords,
tokens) load without the whole app, and the app's routes importing ``aube.web.<module>`` are
not a circle back through here. ``from aube.web import create_app`` still works (lazily)."""

from __future__ import annotations

from typing import Any

__all__ = ["BackgroundTask", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from aube.web import app

        return getattr(app, name)
    raise AttributeError(f"module 'aube.web' has no attribute {name!r}")
