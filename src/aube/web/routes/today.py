"""The morning: today's edition, earlier ones, rebuilding today's, and the first-morning
welcome (choose topics, get an edition at once from the stories already stored)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aube.enrich.factory import embedder_for
from aube.errors import InvalidInput, NotFound
from aube.signals import service
from aube.types import Edition
from aube.web.auth import MaybeViewer, Viewer, ViewerDep
from aube.web.context import Web, WebDep
from aube.web.routes.common import build_today, redirect, today

router = APIRouter()

SUGGESTED_TOPICS = [
    "Economy and markets",
    "Central banks and interest rates",
    "Climate and energy",
    "Artificial intelligence",
    "Technology industry",
    "Science and research",
    "World politics",
    "European Union",
    "Trade and tariffs",
    "Health and medicine",
    "Space exploration",
    "Startups and venture capital",
]
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _edition_page(
    request: Request, w: Web, viewer: Viewer, day: str, edition: Edition | None, *, is_today: bool
) -> Response:
    user = viewer.user
    latest = None
    no_news = False
    if edition is None or not edition.cards:
        no_news = w.store.count_stories() == 0
        latest = next((d for d in w.store.edition_dates(user.id, limit=2) if d != day), None)
    return w.templates.render(
        request,
        "edition.html",
        edition=edition,
        day=day,
        is_today=is_today,
        latest=latest,
        no_news=no_news,
        tz=user.timezone,
    )


@router.get("/")
def today_page(request: Request, w: WebDep, viewer: MaybeViewer) -> Response:
    if viewer is None:
        return redirect("/signup" if w.store.count_users() == 0 else "/login")
    day = today(w, viewer.user)
    edition = w.store.get_edition(viewer.user.id, day)
    if (
        edition is None
        and not w.store.edition_dates(viewer.user.id, limit=1)
        and not w.store.list_interests(viewer.user.id, with_evidence=False)
    ):
        return redirect("/welcome")  # a new account: choose topics first
    return _edition_page(request, w, viewer, day, edition, is_today=True)


@router.get("/editions/{day}")
def edition_page(request: Request, day: str, w: WebDep, viewer: ViewerDep) -> Response:
    if not _DAY.match(day):
        raise NotFound(f"no edition for {day!r}")
    if day == today(w, viewer.user):
        return redirect("/")
    edition = w.store.get_edition(viewer.user.id, day)
    if edition is None:
        raise NotFound(f"no edition for {day}")
    return _edition_page(request, w, viewer, day, edition, is_today=False)


@router.post("/today/regenerate")
def regenerate(w: WebDep, viewer: ViewerDep) -> Response:
    build_today(w, viewer.user)
    return redirect("/", ok="regenerated")


@router.get("/welcome")
def welcome_page(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    return w.templates.render(
        request, "welcome.html", suggestions=SUGGESTED_TOPICS, error=None, typed=""
    )


@router.post("/welcome")
def welcome(
    request: Request,
    w: WebDep,
    viewer: ViewerDep,
    topics: Annotated[str, Form(max_length=5000)] = "",
    topic: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    chosen = [t for t in (topic or []) if t in SUGGESTED_TOPICS]
    chosen += [t for t in re.split(r"[\n,;]+", topics) if t.strip()]
    try:
        service.add_topics(
            w.store,
            embedder_for(w.settings),
            viewer.user,
            chosen[:30],
            now=w.clock(),
            origin="onboarding",
        )
    except InvalidInput as exc:
        return w.templates.render(
            request,
            "welcome.html",
            status=400,
            suggestions=SUGGESTED_TOPICS,
            error=str(exc),
            typed=topics,
        )
    build_today(w, viewer.user)
    return redirect("/")
