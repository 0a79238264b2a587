"""Earlier editions and saved cards."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aube.web.auth import ViewerDep
from aube.web.context import WebDep

router = APIRouter()


@router.get("/history")
def history(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    days = w.store.edition_dates(viewer.user.id, limit=90)
    return w.templates.render(request, "history.html", days=days)


@router.get("/saved")
def saved(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    cards = w.store.saved_cards(viewer.user.id)
    return w.templates.render(request, "saved.html", cards=cards, tz=viewer.user.timezone)
