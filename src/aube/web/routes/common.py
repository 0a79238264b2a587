"""Small helpers the page routes share."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, UploadFile
from fastapi.responses import RedirectResponse

from aube.compose.edition import EditionsReport, local_date
from aube.errors import InvalidInput
from aube.pipeline.editions import editions
from aube.progress import Reporter
from aube.types import User
from aube.web.context import Web


def local_next(value: str | None, default: str = "/") -> str:
    """A redirect target from a form or a query: a path on this site, never elsewhere
    (``//evil.example`` and ``/\\evil.example`` are other sites to a browser)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(c in value for c in "\r\n\t\\"):
        return default
    return value


def redirect(path: str, ok: str | None = None) -> RedirectResponse:
    if ok:
        anchor = ""
        if "#" in path:
            path, anchor = path.split("#", 1)
            anchor = "#" + anchor
        path = f"{path}{'&' if '?' in path else '?'}{urlencode({'ok': ok})}{anchor}"
    return RedirectResponse(path, status_code=303)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def today(w: Web, user: User) -> str:
    return local_date(user, w.clock())


def build_today(w: Web, user: User, reporter: Reporter | None = None) -> EditionsReport:
    """Build (or rebuild) the user's edition of their local today from the stories already
    stored: the first morning needs no waiting, and "regenerate" is the same call."""
    return editions(
        w.store, w.settings, clock=w.clock, user_ids=[user.id], replace=True, reporter=reporter
    )


async def read_upload(upload: UploadFile, *, limit: int, what: str) -> bytes:
    """An uploaded file's bytes, refusing an empty one or one over ``limit``."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"{what} is larger than {limit // 2**20} MB")
    if not data:
        raise InvalidInput(f"{what} is empty (choose a file first)")
    return data
