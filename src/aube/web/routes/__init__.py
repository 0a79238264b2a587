"""Page routes, one module per page or concern; the JSON API is ``routes.api``.

Another part of Aube mounts its pages by appending its router to ``ROUTERS`` (they get the
same CSRF check on every form); ``tests/web/test_isolation.py`` then asks it to say how each
new route keeps one user's data from another."""

from __future__ import annotations

from fastapi import APIRouter

from aube.web.routes import (
    accounts,
    admin,
    cards,
    curate,
    delivery,
    history,
    imports,
    profile,
    reference,
    settings,
    sources,
    today,
    tokens,
)

ROUTERS: list[APIRouter] = [
    accounts.router,
    today.router,
    cards.router,
    curate.router,
    history.router,
    profile.router,
    imports.router,
    settings.router,
    sources.router,
    tokens.router,
    admin.router,
    reference.router,
    delivery.router,
]
