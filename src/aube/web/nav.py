"""The settings pages listed in the settings menu. Another part of Aube adds its own page
(delivery channels, connected calendar and mail) with ``add_settings_page`` and mounts its
router in ``aube.web.routes.ROUTERS``."""

from __future__ import annotations

SETTINGS_PAGES: list[tuple[str, str]] = [
    ("Account", "/settings"),
    ("Sources", "/settings/sources"),
    ("API tokens", "/settings/tokens"),
]


def add_settings_page(title: str, path: str) -> None:
    if (title, path) not in SETTINGS_PAGES:
        SETTINGS_PAGES.append((title, path))
