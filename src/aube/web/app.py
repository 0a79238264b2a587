"""The web app: ``create_app`` builds it around one store, one clock and one set of settings.

Pages are server-rendered and work without JavaScript; a small script makes feedback
buttons act in place and import progress move. The JSON API lives under ``/api/v1``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aube import __version__
from aube.clock import Clock, system_clock
from aube.config import Settings
from aube.errors import InvalidInput, NotFound
from aube.store import Store
from aube.web.auth import CsrfRejected, LoginRequired, check_csrf
from aube.web.context import Web
from aube.web.jobs import Jobs
from aube.web.routes import ROUTERS, api
from aube.web.templating import Templates

log = logging.getLogger(__name__)

BackgroundTask = Callable[[], Awaitable[None]]
"""A coroutine function run for the app's lifetime (the scheduler/worker), cancelled at shutdown."""

_HEADERS = [
    (
        b"content-security-policy",
        (
            b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            b"frame-ancestors 'none'"
        ),
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Pure ASGI (no per-request task overhead): a strict CSP and friends on every response,
    and ``no-store`` on everything but static files (pages hold private data) unless the route
    chose its own caching (the private Atom feed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(_HEADERS)
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(
                        (b"cache-control", b"public, max-age=604800" if static else b"no-store")
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _wants_json(request: Request) -> bool:
    return _is_api(request) or "application/json" in request.headers.get("accept", "")


def _error(request: Request, status: int, title: str, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    w: Web = request.app.state.web
    return w.templates.render(request, "error.html", status=status, title=title, message=message)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "Not found", str(exc))

    @app.exception_handler(InvalidInput)
    async def invalid(request: Request, exc: InvalidInput) -> Response:
        return _error(request, 400, "That did not work", str(exc))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "log in first"}, status_code=401)
        target = request.url.path if request.method == "GET" else "/"
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        return _error(
            request,
            403,
            "This form has expired",
            "The form was sent without its security token, or from another site. "
            "Go back, reload the page and try again.",
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        return _error(
            request,
            400,
            "Something was missing",
            "The form was incomplete or had a wrong value"
            + (f" ({', '.join(fields)})" if fields else "")
            + ".",
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _is_api(request) or exc.status_code == 401:
            return JSONResponse(
                {"detail": exc.detail},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        title = "Not found" if exc.status_code == 404 else "That did not work"
        message = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        return _error(request, exc.status_code, title, message)


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock = system_clock,
    background: Sequence[BackgroundTask] = (),
) -> FastAPI:
    """The app. Without ``store`` it opens (and migrates) the one the settings name and
    closes it at shutdown. ``background`` coroutines run beside the app (the embedded
    default runs its scheduler there)."""
    own_store = store is None
    the_store = store if store is not None else Store.open(settings)
    jobs = Jobs(clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(run(), name=getattr(run, "__name__", "background"))
            for run in background
        ]
        for task in tasks:
            task.add_done_callback(_report_crash)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            jobs.shutdown()
            if own_store:
                the_store.close()

    app = FastAPI(
        title="Aube",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        description="Your morning briefing as JSON: today's edition, feedback, curate requests, "
        "saved cards and your profile. Authenticate with an API token made in "
        "Settings → API tokens: `Authorization: Bearer aube_…`.",
    )
    app.state.web = Web(
        settings=settings, store=the_store, clock=clock, templates=Templates(), jobs=jobs
    )
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(check_csrf)], include_in_schema=False)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(packages=[("aube.web", "static")]), name="static")
    _install_handlers(app)
    app.add_middleware(SecurityHeaders)
    return app


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s stopped", task.get_name(), exc_info=task.exception())
