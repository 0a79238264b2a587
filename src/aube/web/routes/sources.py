"""Your sources: the feeds your editions draw from. Add a feed by URL or an OPML file, remove
one; a feed is shared by everyone who follows it, your list is yours."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from aube.errors import InvalidInput, NotFound
from aube.ingest.opml import parse_opml
from aube.ingest.urls import canonical_url, is_http_url
from aube.web.auth import Viewer, ViewerDep
from aube.web.context import Web, WebDep
from aube.web.routes.common import read_upload, redirect

router = APIRouter()

MAX_OPML = 5 * 2**20
MAX_OPML_FEEDS = 500


def _page(
    request: Request,
    w: Web,
    viewer: Viewer,
    *,
    error: str | None = None,
    typed: str = "",
    status: int = 200,
) -> Response:
    with w.store.read() as uow:
        mine = uow.subscriptions.source_ids(viewer.user.id)
        sources = [s for s in uow.sources.all() if s.id in mine]
    return w.templates.render(
        request,
        "sources.html",
        status=status,
        sources=sources,
        error=error,
        typed=typed,
        tz=viewer.user.timezone,
    )


def _follow(w: Web, viewer: Viewer, feeds: list[tuple[str, str]]) -> None:
    """Follow these (url, title) feeds, all or none: a bad address half-way through an OPML
    file follows nothing, and says which address is at fault."""
    now = w.clock()
    urls = []
    for url, _title in feeds:
        url = url.strip()
        if not is_http_url(url):
            raise InvalidInput(f"{url[:200]!r} is not a web address (http:// or https://)")
        urls.append(canonical_url(url))
    with w.store.write() as uow:
        for url, (_typed, title) in zip(urls, feeds, strict=True):
            source, _ = uow.sources.add(url, now=now, title=title[:300], is_default=False)
            uow.subscriptions.subscribe(viewer.user.id, source.id, now=now)


@router.get("/settings/sources")
def sources_page(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    return _page(request, w, viewer)


@router.post("/settings/sources")
def add_source(
    request: Request,
    url: Annotated[str, Form(max_length=2000)],
    w: WebDep,
    viewer: ViewerDep,
) -> Response:
    try:
        _follow(w, viewer, [(url, "")])
    except InvalidInput as exc:
        return _page(request, w, viewer, error=str(exc), typed=url, status=400)
    return redirect("/settings/sources", ok="source-added")


@router.post("/settings/sources/opml")
async def add_opml(
    request: Request,
    file: Annotated[UploadFile, File()],
    w: WebDep,
    viewer: ViewerDep,
) -> Response:
    try:
        data = await read_upload(file, limit=MAX_OPML, what="the OPML file")
    except InvalidInput as exc:
        return await run_in_threadpool(_page, request, w, viewer, error=str(exc), status=400)
    return await run_in_threadpool(_follow_opml, request, w, viewer, data)


def _follow_opml(request: Request, w: Web, viewer: Viewer, data: bytes) -> Response:
    try:
        feeds = parse_opml(data)
        if not feeds:
            raise InvalidInput("the OPML file lists no feed (no outline with an xmlUrl)")
        if len(feeds) > MAX_OPML_FEEDS:
            raise InvalidInput(f"the OPML file lists {len(feeds)} feeds; {MAX_OPML_FEEDS} at most")
        _follow(w, viewer, [(f.url, f.title if f.title != f.url else "") for f in feeds])
    except InvalidInput as exc:
        return _page(request, w, viewer, error=str(exc), status=400)
    return redirect("/settings/sources", ok="opml")


@router.post("/settings/sources/{source_id}/remove")
def remove_source(source_id: int, w: WebDep, viewer: ViewerDep) -> Response:
    with w.store.write() as uow:
        if source_id not in uow.subscriptions.source_ids(viewer.user.id):
            raise NotFound(f"you do not follow source {source_id}")
        uow.subscriptions.unsubscribe(viewer.user.id, source_id)
    return redirect("/settings/sources", ok="source-removed")
