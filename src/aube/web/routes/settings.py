"""Account settings: name, email, time zone, morning time and edition size (validated by the
store), the password, and deleting the account with everything in it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aube.errors import InvalidInput
from aube.web import passwords
from aube.web.auth import ViewerDep, end_session
from aube.web.context import Web, WebDep
from aube.web.routes.accounts import TIMEZONES
from aube.web.routes.common import redirect

router = APIRouter()


def _page(
    request: Request,
    w: Web,
    *,
    error: str | None = None,
    password_error: str | None = None,
    delete_error: str | None = None,
    status: int = 200,
) -> Response:
    return w.templates.render(
        request,
        "settings.html",
        status=status,
        timezones=TIMEZONES,
        error=error,
        password_error=password_error,
        delete_error=delete_error,
    )


@router.get("/settings")
def settings_page(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    return _page(request, w)


@router.post("/settings")
def save_settings(
    request: Request,
    timezone: Annotated[str, Form(max_length=64)],
    morning_time: Annotated[str, Form(max_length=5)],
    edition_size: Annotated[int, Form()],
    w: WebDep,
    viewer: ViewerDep,
    display_name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    try:
        w.store.update_user(
            viewer.user.id,
            display_name=display_name.strip() or viewer.user.handle,
            email=email.strip() or None,
            timezone=timezone,
            morning_time=morning_time,
            edition_size=edition_size,
        )
    except InvalidInput as exc:
        return _page(request, w, error=str(exc), status=400)
    return redirect("/settings", ok="saved")


@router.post("/settings/password")
def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=2048)],
    password: Annotated[str, Form(max_length=2048)],
    password2: Annotated[str, Form(max_length=2048)],
    w: WebDep,
    viewer: ViewerDep,
) -> Response:
    user = viewer.user
    ok, _ = passwords.verify(w.store.password_hash(user.id), current)
    try:
        if not ok:
            raise InvalidInput("your current password is not that")
        passwords.check_rules(password, handle=user.handle)
        if password != password2:
            raise InvalidInput("the two new passwords differ")
    except InvalidInput as exc:
        return _page(request, w, password_error=str(exc), status=400)
    password_hash = passwords.hash_password(password)  # slow: before the write lock
    with w.store.write() as uow:  # the new password and the end of the other sessions, together
        uow.users.update(user.id, password_hash=password_hash)
        uow.sessions.delete_of_user(user.id, keep=viewer.session_id)  # a thief's ends here
    return redirect("/settings", ok="password")


@router.post("/settings/delete")
def delete_account(
    request: Request,
    password: Annotated[str, Form(max_length=2048)],
    w: WebDep,
    viewer: ViewerDep,
    confirm: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    user = viewer.user
    ok, _ = passwords.verify(w.store.password_hash(user.id), password)
    if not ok or confirm.strip().lower() != user.handle:
        return _page(
            request,
            w,
            status=400,
            delete_error=(
                "Type your user name and your password to delete the account."
                if ok
                else "That is not your password; nothing was deleted."
            ),
        )
    w.store.delete_user(user.id)  # cascades: profile, imports, editions, feedback, sessions, tokens
    response = redirect("/login", ok="deleted")
    end_session(request, response, w, None)
    return response
