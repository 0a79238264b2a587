"""Who is asking: log-in sessions (server-side, in the store) for pages, bearer tokens for
the JSON API, and CSRF checks for every form.

- The session cookie holds a random secret; the store keeps its digest, the user, the
  session's CSRF token and an expiry that slides forward (at most one write a day).
  HttpOnly, SameSite=Lax, Secure over https (or when ``web_secure_cookies``).
- Before logging in, a visitor's forms (log-in, sign-up) carry the value of a separate
  random cookie (double submit); after, the session's own token.
- Every state-changing request to a page route must carry the token, as the form field
  ``csrf_token`` or the ``X-CSRF-Token`` header; the JSON API authenticates by bearer
  token only and never reads cookies, so it cannot be driven cross-site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aube.errors import NotFound
from aube.types import User
from aube.web.context import Web, WebDep
from aube.web.tokens import digest, new_secret, same

SESSION_COOKIE = "aube_session"
VISITOR_COOKIE = "aube_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RENEW_AFTER = timedelta(days=1)
TOKEN_TOUCH_AFTER = timedelta(hours=1)


class LoginRequired(Exception):
    """A page needs a logged-in person: they are sent to the log-in page."""


class CsrfRejected(Exception):
    """A state-changing request without the right token (or from another site)."""


@dataclass(frozen=True)
class Viewer:
    """The logged-in person of a page request."""

    user: User
    session_id: str
    csrf: str


def _secure(request: Request, w: Web) -> bool:
    return w.settings.web_secure_cookies or request.url.scheme == "https"


def optional_viewer(request: Request, w: WebDep) -> Viewer | None:
    cached = getattr(request.state, "viewer", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    viewer = None
    secret = request.cookies.get(SESSION_COOKIE)
    if secret and len(secret) < 200:
        now = w.clock()
        found = w.store.session_user(digest(secret), now=now)
        if found is not None:
            session, user = found
            if now - session.seen_at > RENEW_AFTER:
                w.store.renew_session(
                    session.id,
                    now=now,
                    expires_at=now + timedelta(days=w.settings.web_session_days),
                )
            viewer = Viewer(user=user, session_id=session.id, csrf=session.csrf)
    request.state.viewer = viewer
    return viewer


MaybeViewer = Annotated[Viewer | None, Depends(optional_viewer)]


def require_viewer(viewer: MaybeViewer) -> Viewer:
    if viewer is None:
        raise LoginRequired()
    return viewer


ViewerDep = Annotated[Viewer, Depends(require_viewer)]


def require_admin(viewer: ViewerDep) -> Viewer:
    if not viewer.user.is_admin:
        raise NotFound("no such page")  # the admin pages do not exist for others
    return viewer


AdminDep = Annotated[Viewer, Depends(require_admin)]


def start_session(request: Request, response: Response, w: Web, user: User) -> Viewer:
    """Log ``user`` in: a new session (never one the visitor brought: no fixation)."""
    secret = new_secret()
    now = w.clock()
    days = w.settings.web_session_days
    session_id, csrf = digest(secret), new_secret()
    with w.store.write() as uow:
        uow.sessions.prune(now=now)  # expired ones, anyone's: log-ins are rare, so this is cheap
        uow.sessions.add(
            user.id,
            session_id=session_id,
            csrf=csrf,
            now=now,
            expires_at=now + timedelta(days=days),
        )
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=days * 86400,
        httponly=True,
        samesite="lax",
        secure=_secure(request, w),
        path="/",
    )
    response.delete_cookie(VISITOR_COOKIE, path="/")
    viewer = Viewer(user=user, session_id=session_id, csrf=csrf)
    request.state.viewer = viewer
    return viewer


def end_session(request: Request, response: Response, w: Web, viewer: Viewer | None) -> None:
    if viewer is not None:
        w.store.delete_session(viewer.session_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    request.state.viewer = None


def visitor_token(request: Request) -> str | None:
    value = request.cookies.get(VISITOR_COOKIE)
    return value if value and 20 <= len(value) <= 100 else None


def form_token(request: Request) -> str:
    """The token a page's forms carry: the session's, else the visitor cookie's (made here
    when missing, and set on the response by ``templating.render``)."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:
        return viewer.csrf
    token = visitor_token(request) or getattr(request.state, "new_visitor_token", None)
    if token is None:
        token = new_secret()
        request.state.new_visitor_token = token
    return token


def set_visitor_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_visitor_token", None)
    if token is not None and getattr(request.state, "viewer", None) is None:
        w: Web = request.app.state.web
        response.set_cookie(
            VISITOR_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=_secure(request, w),
            path="/",
        )


_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])
_CSRF_EXEMPT: set[Callable[..., Any]] = set()


def csrf_exempt(endpoint: _Endpoint) -> _Endpoint:
    """Exempt one route from the CSRF check: only for a form that must work when posted from
    outside (RFC 8058 one-click unsubscribe, whose URL is its own credential and which acts on
    no session). ``tests/web/test_csrf.py`` lists the exempt routes."""
    _CSRF_EXEMPT.add(endpoint)
    return endpoint


async def check_csrf(request: Request, viewer: MaybeViewer) -> None:
    """Every page route depends on this; it lets safe methods through."""
    if request.method in SAFE_METHODS or request.scope.get("endpoint") in _CSRF_EXEMPT:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = viewer.csrf if viewer is not None else visitor_token(request)
    if not sent or not expected or not same(sent, expected):
        raise CsrfRejected()


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="APIToken",
    description="An API token made in Settings → API tokens: `Authorization: Bearer aube_…`",
)


def api_user(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)], w: WebDep
) -> User:
    """The JSON API's caller, by bearer token (never by cookie)."""
    unauthorized = HTTPException(
        401,
        "a valid API token is needed: Authorization: Bearer <token> (make one in Settings)",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if creds is None or len(creds.credentials) > 200:
        raise unauthorized
    found = w.store.token_user(digest(creds.credentials))
    if found is None:
        raise unauthorized
    token, user = found
    now = w.clock()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_AFTER:
        w.store.touch_api_token(token.id, now=now)
    return user


ApiUser = Annotated[User, Depends(api_user)]
