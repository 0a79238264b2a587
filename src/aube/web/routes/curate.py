"""The curate box: plain-words requests ("nothing about crypto", "recap the F1 race
tomorrow"), and the active ones with their expiry, each removable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aube.enrich.factory import embedder_for
from aube.errors import InvalidInput
from aube.signals import service
from aube.web.auth import Viewer, ViewerDep
from aube.web.context import Web, WebDep
from aube.web.routes.common import local_next, redirect

router = APIRouter()

EXAMPLES = [
    "more on the Rust 2027 edition",
    "nothing about crypto",
    "less football this week",
    "recap the F1 race tomorrow",
]


def _page(
    request: Request,
    w: Web,
    viewer: Viewer,
    *,
    error: str | None = None,
    typed: str = "",
    status: int = 200,
) -> Response:
    requests = w.store.list_requests(viewer.user.id, now=w.clock())
    return w.templates.render(
        request,
        "curate.html",
        status=status,
        requests=requests,
        examples=EXAMPLES,
        error=error,
        typed=typed,
        tz=viewer.user.timezone,
    )


@router.get("/curate")
def curate_page(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    return _page(request, w, viewer)


@router.post("/curate")
def curate(
    request: Request,
    text: Annotated[str, Form(max_length=500)],
    w: WebDep,
    viewer: ViewerDep,
    next: Annotated[str, Form(max_length=2000)] = "/curate",
) -> Response:
    try:
        if not text.strip():
            raise InvalidInput("type what you want more or less of, e.g. 'nothing about crypto'")
        service.curate(w.store, embedder_for(w.settings), viewer.user, text.strip(), now=w.clock())
    except InvalidInput as exc:
        return _page(request, w, viewer, error=str(exc), typed=text, status=400)
    return redirect(local_next(next, "/curate"), ok="curate")


@router.post("/curate/{request_id}/remove")
def remove(request_id: int, w: WebDep, viewer: ViewerDep) -> Response:
    w.store.remove_request(viewer.user.id, request_id)
    return redirect("/curate", ok="request-removed")
