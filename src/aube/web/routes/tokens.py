"""API tokens: made and revoked here, shown once, stored as digests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aube.errors import InvalidInput
from aube.web.auth import Viewer, ViewerDep
from aube.web.context import Web, WebDep
from aube.web.routes.common import redirect
from aube.web.tokens import TOKEN_PREFIX, digest, new_api_token

router = APIRouter()
SHOWN_PREFIX = len(TOKEN_PREFIX) + 4  # "aube_Xy3k": enough to tell tokens apart, useless to guess


def _page(
    request: Request,
    w: Web,
    viewer: Viewer,
    *,
    new: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return w.templates.render(
        request,
        "tokens.html",
        status=status,
        tokens=w.store.list_api_tokens(viewer.user.id),
        new=new,
        error=error,
        tz=viewer.user.timezone,
    )


@router.get("/settings/tokens")
def tokens_page(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    return _page(request, w, viewer)


@router.post("/settings/tokens")
def create_token(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    w: WebDep,
    viewer: ViewerDep,
) -> Response:
    secret = new_api_token()
    try:
        w.store.add_api_token(
            viewer.user.id,
            name=name,
            prefix=secret[:SHOWN_PREFIX],
            token_hash=digest(secret),
            now=w.clock(),
        )
    except InvalidInput as exc:
        return _page(request, w, viewer, error=str(exc), status=400)
    # Shown on this response only; the store keeps its digest. No redirect, so no URL holds it.
    return _page(request, w, viewer, new=secret)


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(token_id: int, w: WebDep, viewer: ViewerDep) -> Response:
    w.store.delete_api_token(viewer.user.id, token_id)
    return redirect("/settings/tokens", ok="token-revoked")
