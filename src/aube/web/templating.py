"""Server-rendered pages: one Jinja2 environment, autoescaped everywhere.

Nothing from a feed or a person reaches a page unescaped: card fields are plain text (feeds
are sanitized with nh3 at ingest, ``aube.ingest.sanitize``), every template is autoescaped,
and links are only ever written for http(s) URLs (``safe_href``)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from aube.compose.edition import END_MARKER
from aube.web import nav
from aube.web.auth import form_token, set_visitor_cookie

# Messages shown after a redirect, chosen by a code in the URL (``?ok=curate``): a page never
# prints text taken from its own address.
MESSAGES = {
    "saved": "Saved.",
    "password": "Your password is changed; your other devices are logged out.",
    "deleted": "Your account and everything Aube held about you are deleted.",
    "logged-out": "You are logged out.",
    "curate": "Noted. It shapes your next edition; rebuild today's to see it now.",
    "request-removed": "Request removed: it no longer shapes your editions.",
    "regenerated": "Today's edition is rebuilt with what Aube knows about you now.",
    "topics": "Topics added to your profile.",
    "interest": "Interest changed. Aube will not adjust it on its own any more.",
    "interest-deleted": "Interest deleted, with its evidence.",
    "import-deleted": "Import deleted, with the interests that only it supported.",
    "source-added": "Feed added. Aube reads it at its next fetch.",
    "source-removed": "Feed removed from your sources.",
    "opml": "Feeds from the OPML file added to your sources.",
    "token-revoked": "Token revoked: it no longer opens the API.",
    "invite-revoked": "Invite revoked.",
    "signup-mode": "Sign-up setting saved.",
}

_STATIC = files("aube.web").joinpath("static")


def _version(name: str) -> str:
    return hashlib.sha256(_STATIC.joinpath(name).read_bytes()).hexdigest()[:10]


def safe_href(url: object) -> str:
    """The URL when it is http(s), else "" (the template then writes no link)."""
    text = str(url or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in ("http", "https") else ""


def _moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def when(value: object, tz: str = "UTC", style: str = "short") -> str:
    """A moment in the reader's time zone: "Sat 21 Feb, 09:14" (``day``: "Sat 21 Feb",
    ``time``: "09:14")."""
    moment = _moment(value)
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(tz))
    day = f"{local:%a} {local.day} {local:%b}"
    if style == "time":
        return f"{local:%H:%M}"
    if style == "day":
        return day
    return f"{day}, {local:%H:%M}"


def day_title(value: str) -> str:
    """ "2026-02-21" → "Saturday 21 February 2026"."""
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{d:%A} {d.day} {d:%B %Y}"


def publishers(sources: Any) -> str:
    names: list[str] = []
    for s in sources:
        if s.publisher and s.publisher not in names:
            names.append(s.publisher)
    return ", ".join(names)


class Templates:
    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("aube.web", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        versions = {name: _version(name) for name in ("aube.css", "aube.js")}
        self.env.globals["static"] = lambda name: f"/static/{name}?v={versions[name]}"
        self.env.globals["settings_pages"] = nav.SETTINGS_PAGES
        self.env.globals["end_marker"] = END_MARKER
        self.env.filters.update(
            when=when, day_title=day_title, safe_href=safe_href, publishers=publishers
        )

    def render(
        self, request: Request, template: str, /, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        viewer = getattr(request.state, "viewer", None)
        flash = MESSAGES.get(request.query_params.get("ok", ""))
        html = self.env.get_template(template).render(
            request=request,
            viewer=viewer,
            user=viewer.user if viewer else None,
            csrf=form_token(request),
            flash=flash,
            path=request.url.path,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        set_visitor_cookie(request, response)
        return response
