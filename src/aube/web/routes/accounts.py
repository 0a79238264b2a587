"""Sign-up, log-in, log-out. The first account becomes the administrator; after it, sign-up
is open or by invitation, as the administrator chooses."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aube.errors import InvalidInput
from aube.web import passwords
from aube.web.auth import MaybeViewer, ViewerDep, end_session, start_session
from aube.web.context import Web, WebDep
from aube.web.routes.common import local_next, redirect
from aube.web.throttle import Limits, Throttle, account_key
from aube.web.tokens import digest

router = APIRouter()

SignupMode = Literal["first", "open", "invite", "closed"]
SIGNUP_SETTING = "signup"  # site setting: "open" or "invite"
TIMEZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
) + ["UTC"]


def signup_mode(w: Web, invite: str | None) -> SignupMode:
    if w.store.count_admins() == 0:
        return "first"
    if w.store.site_setting(SIGNUP_SETTING, "invite") == "open":
        return "open"
    if invite and w.store.find_invite(digest(invite), now=w.clock()) is not None:
        return "invite"
    return "closed"


@router.get("/signup")
def signup_page(
    request: Request,
    w: WebDep,
    viewer: MaybeViewer,
    invite: str | None = None,
) -> Response:
    if viewer is not None:
        return redirect("/")
    return w.templates.render(
        request,
        "signup.html",
        mode=signup_mode(w, invite),
        invite=invite or "",
        timezones=TIMEZONES,
        form={},
        error=None,
    )


@router.post("/signup")
def signup(
    request: Request,
    handle: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=2048)],
    password2: Annotated[str, Form(max_length=2048)],
    w: WebDep,
    display_name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "UTC",
    invite: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    mode = signup_mode(w, invite)
    form = {"handle": handle, "display_name": display_name, "email": email, "timezone": timezone}

    def again(error: str, status: int = 400) -> Response:
        return w.templates.render(
            request,
            "signup.html",
            status=status,
            mode=mode,
            invite=invite,
            timezones=TIMEZONES,
            form=form,
            error=error,
        )

    if mode == "closed":
        return again(
            "Sign-up on this server is by invitation: ask its administrator for a link.", 403
        )
    try:
        passwords.check_rules(password, handle=handle)
        if password != password2:
            raise InvalidInput("the two passwords differ")
        password_hash = passwords.hash_password(password)  # slow: before the write lock
        # The invite is claimed and the account made in one transaction: a sign-up that fails
        # leaves the invite as it was, and two sign-ups cannot share one.
        with w.store.write() as uow:
            claimed = uow.invites.claim(digest(invite), now=w.clock()) if mode == "invite" else None
            if mode == "invite" and claimed is None:
                return again("This invitation has just been used or has expired.", 403)
            user = uow.users.add(
                handle,
                now=w.clock(),
                display_name=display_name.strip(),
                email=email.strip() or None,
                timezone=timezone or "UTC",
                is_admin=mode == "first",
                password_hash=password_hash,
            )
            if claimed is not None:
                uow.invites.finish(claimed, used_by=user.id)
    except InvalidInput as exc:
        return again(_sentence(str(exc)))
    response = redirect("/welcome")
    start_session(request, response, w, user)
    return response


@router.get("/login")
def login_page(request: Request, w: WebDep, viewer: MaybeViewer, next: str = "/") -> Response:
    if viewer is not None:
        return redirect(local_next(next))
    return w.templates.render(
        request,
        "login.html",
        next=local_next(next),
        name="",
        error=None,
        first=w.store.count_admins() == 0,
    )


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=2048)],
    w: WebDep,
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    now = w.clock()
    typed = name.strip()
    user = w.store.find_user_by_email(typed) if "@" in typed else w.store.find_user_by_handle(typed)
    key = account_key(user, typed)
    ip = request.client.host if request.client else "unknown"
    throttle = Throttle(w.store, Limits.from_settings(w.settings))

    def again(error: str, status: int) -> Response:
        return w.templates.render(
            request,
            "login.html",
            status=status,
            next=local_next(next),
            name=typed,
            error=error,
            first=False,
        )

    paused = throttle.check(key, ip, now)
    if paused is not None:
        minutes = max(1, int((paused - now).total_seconds() // 60) + 1)
        response = again(
            f"Too many failed log-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            429,
        )
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    ok, rehashed = passwords.verify(w.store.password_hash(user.id) if user else None, password)
    if not ok or user is None:
        throttle.failed(key, ip, now)
        return again("Wrong user name or password.", 400)
    if rehashed:
        w.store.update_user(user.id, password_hash=rehashed)
    throttle.succeeded(key)
    response = redirect(local_next(next))
    start_session(request, response, w, user)
    return response


@router.post("/logout")
def logout(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    response = redirect("/login", ok="logged-out")
    end_session(request, response, w, viewer)
    return response


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
