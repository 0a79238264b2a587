"""The administrator's page: open sign-up or invitations by link, and who has an account.
For everyone else these pages do not exist (404)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aube.web.auth import AdminDep, Viewer
from aube.web.context import Web, WebDep
from aube.web.routes.accounts import SIGNUP_SETTING
from aube.web.routes.common import redirect
from aube.web.tokens import digest, new_secret

router = APIRouter()
INVITE_DAYS = 7
FAILED_DELIVERIES = ("failed", "unknown")  # everyone's, for the administrator to look into


def _page(request: Request, w: Web, viewer: Viewer, *, link: str | None = None) -> Response:
    users = w.store.list_users()
    return w.templates.render(
        request,
        "admin.html",
        mode=w.store.site_setting(SIGNUP_SETTING, "invite"),
        invites=w.store.list_invites(),
        users=users,
        link=link,
        now=w.clock(),
        tz=viewer.user.timezone,
        handles={u.id: u.handle for u in users},
        failed_deliveries=w.store.list_deliveries(statuses=FAILED_DELIVERIES, limit=50),
    )


@router.get("/admin")
def admin_page(request: Request, w: WebDep, viewer: AdminDep) -> Response:
    return _page(request, w, viewer)


@router.post("/admin/signup")
def set_signup(
    mode: Annotated[Literal["open", "invite"], Form()], w: WebDep, viewer: AdminDep
) -> Response:
    w.store.set_site_setting(SIGNUP_SETTING, mode)
    return redirect("/admin", ok="signup-mode")


@router.post("/admin/invites")
def create_invite(
    request: Request,
    w: WebDep,
    viewer: AdminDep,
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    secret = new_secret()
    now = w.clock()
    w.store.add_invite(
        viewer.user.id,
        token_hash=digest(secret),
        note=note,
        now=now,
        expires_at=now + timedelta(days=INVITE_DAYS),
    )
    link = str(request.url_for("signup_page").include_query_params(invite=secret))
    return _page(request, w, viewer, link=link)  # shown once: the store keeps its digest


@router.post("/admin/invites/{invite_id}/revoke")
def revoke_invite(invite_id: int, w: WebDep, viewer: AdminDep) -> Response:
    w.store.delete_invite(invite_id)
    return redirect("/admin", ok="invite-revoked")
