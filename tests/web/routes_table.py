"""Every route of the app, and how a test aims it at another user's things.

``kind`` says what the route touches:

- ``theirs``: the path names one of the other user's things (or an administrator's page);
  the caller must get 404 (not 403: they must not even learn that it exists);
- ``mine``: the route acts on the caller's own data (or none).

A route whose URL is its own credential (the private feed, unsubscribing from an email) is
``theirs`` with a token that was never given to the caller: it must be "not found".

``params`` fills the path from the other user's ``Owned`` things; ``data``/``files`` are a
form or JSON body that would succeed if the route let the caller through."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from web.client import PASSWORD
from web.owned import Owned

Params = Callable[[Owned], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    kind: Literal["theirs", "mine"]
    params: Params = lambda o: {}
    data: Callable[[Owned], dict[str, Any]] = lambda o: {}
    files: Callable[[Owned], dict[str, Any]] | None = None
    order: int = 0  # destructive own actions (log out) run last


CHAT = json.dumps(
    [
        {
            "title": "ana chat",
            "mapping": {
                "r": {"id": "r", "message": None, "parent": None, "children": ["u"]},
                "u": {
                    "id": "u",
                    "parent": "r",
                    "children": [],
                    "message": {
                        "author": {"role": "user"},
                        "create_time": 1.0e9,
                        "content": {"content_type": "text", "parts": ["How do tides work?"]},
                    },
                },
            },
            "current_node": "u",
        }
    ]
).encode()
OPML = b'<opml version="2.0"><body><outline text="A" xmlUrl="https://ana-feed.example/rss"/></body></opml>'

GUESSED = "Zm9yZ2VkLWJ5LXNvbWVvbmUtd2hvLWd1ZXNzZXM"  # well-formed, never issued

PAGES: dict[tuple[str, str], Case] = {
    ("GET", "/"): Case("mine"),
    ("GET", "/signup"): Case("mine"),
    ("POST", "/signup"): Case(
        "mine",
        data=lambda o: {
            "handle": "intruder",
            "password": "a long password",
            "password2": "a long password",
        },
    ),
    ("GET", "/login"): Case("mine"),
    ("POST", "/login"): Case("mine", data=lambda o: {"name": o.user.handle, "password": "guess"}),
    ("POST", "/logout"): Case("mine", order=9),
    ("GET", "/editions/{day}"): Case("theirs", lambda o: {"day": o.day}),
    ("POST", "/today/regenerate"): Case("mine"),
    ("GET", "/welcome"): Case("mine"),
    ("POST", "/welcome"): Case("mine", data=lambda o: {"topics": "tides"}),
    ("GET", "/cards/{card_id}"): Case("theirs", lambda o: {"card_id": o.card}),
    ("POST", "/cards/{card_id}/feedback"): Case(
        "theirs", lambda o: {"card_id": o.card}, lambda o: {"action": "down"}
    ),
    ("GET", "/curate"): Case("mine"),
    ("POST", "/curate"): Case("mine", data=lambda o: {"text": "more on tides"}),
    ("POST", "/curate/{request_id}/remove"): Case("theirs", lambda o: {"request_id": o.request}),
    ("GET", "/history"): Case("mine"),
    ("GET", "/saved"): Case("mine"),
    ("GET", "/profile"): Case("mine"),
    ("POST", "/profile/interests/{interest_id}"): Case(
        "theirs",
        lambda o: {"interest_id": o.interest},
        lambda o: {"label": "hijacked", "weight": "9", "sign": "-1"},
    ),
    ("POST", "/profile/interests/{interest_id}/delete"): Case(
        "theirs", lambda o: {"interest_id": o.interest}
    ),
    ("POST", "/profile/topics"): Case("mine", data=lambda o: {"topics": "tides"}),
    ("POST", "/profile/imports/{import_id}/delete"): Case(
        "theirs", lambda o: {"import_id": o.import_id}
    ),
    ("GET", "/profile/export"): Case("mine"),
    ("POST", "/profile/imports"): Case(
        "mine",
        data=lambda o: {"kind": "chatgpt"},
        files=lambda o: {"file": ("ana.json", CHAT, "application/json")},
    ),
    ("GET", "/profile/imports/jobs/{job_id}"): Case("theirs", lambda o: {"job_id": o.job}),
    ("GET", "/settings"): Case("mine"),
    ("POST", "/settings"): Case(
        "mine",
        data=lambda o: {
            "timezone": "Asia/Tokyo",
            "morning_time": "06:00",
            "edition_size": "4",
            "email": "",
        },
    ),
    ("POST", "/settings/password"): Case(
        "mine", data=lambda o: {"current": "guess", "password": "x" * 12, "password2": "x" * 12}
    ),
    ("POST", "/settings/delete"): Case(
        "mine", data=lambda o: {"confirm": o.user.handle, "password": PASSWORD}
    ),
    ("GET", "/settings/sources"): Case("mine"),
    ("POST", "/settings/sources"): Case(
        "mine", data=lambda o: {"url": "https://ana-feed.example/atom"}
    ),
    ("POST", "/settings/sources/opml"): Case(
        "mine", files=lambda o: {"file": ("a.opml", OPML, "text/xml")}
    ),
    ("POST", "/settings/sources/{source_id}/remove"): Case(
        "theirs", lambda o: {"source_id": o.source}
    ),
    ("GET", "/settings/tokens"): Case("mine"),
    ("POST", "/settings/tokens"): Case("mine", data=lambda o: {"name": "ana script"}),
    ("POST", "/settings/tokens/{token_id}/revoke"): Case(
        "theirs", lambda o: {"token_id": o.token_id}
    ),
    ("GET", "/settings/delivery"): Case("mine"),
    ("POST", "/settings/delivery/email"): Case("mine", data=lambda o: {"state": "on"}),
    ("POST", "/settings/delivery/apprise"): Case(
        "mine", data=lambda o: {"url": "ntfys://ntfy.sh/mine"}
    ),
    ("POST", "/settings/delivery/channels/{channel_id}/test"): Case(
        "theirs", lambda o: {"channel_id": o.channel}
    ),
    ("POST", "/settings/delivery/channels/{channel_id}/remove"): Case(
        "theirs", lambda o: {"channel_id": o.channel}
    ),
    ("POST", "/settings/delivery/feed"): Case("mine"),
    ("POST", "/settings/delivery/feed/revoke"): Case("mine"),
    ("GET", "/feed/{token}.atom"): Case("theirs", lambda o: {"token": GUESSED}),
    ("GET", "/unsubscribe/{token}"): Case("theirs", lambda o: {"token": GUESSED}),
    ("POST", "/unsubscribe/{token}"): Case("theirs", lambda o: {"token": GUESSED}),
    ("GET", "/admin"): Case("theirs"),  # Bob administers; for Ana the page does not exist
    ("POST", "/admin/signup"): Case("theirs", data=lambda o: {"mode": "open"}),
    ("POST", "/admin/invites"): Case("theirs", data=lambda o: {"note": "mine"}),
    ("POST", "/admin/invites/{invite_id}/revoke"): Case(
        "theirs", lambda o: {"invite_id": o.invite}
    ),
    ("GET", "/api"): Case("mine"),
    ("GET", "/healthz"): Case("mine"),
    ("GET", "/openapi.json"): Case("mine"),
    ("GET", "/static"): Case("mine", lambda o: {"": "/aube.css"}),
}
API: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/me"): Case("mine"),
    ("GET", "/api/v1/editions"): Case("mine"),
    ("GET", "/api/v1/editions/today"): Case("mine"),
    ("POST", "/api/v1/editions/today/regenerate"): Case("mine"),
    ("GET", "/api/v1/editions/{date}"): Case("theirs", lambda o: {"date": o.day}),
    ("GET", "/api/v1/cards/{card_id}"): Case("theirs", lambda o: {"card_id": o.card}),
    ("POST", "/api/v1/cards/{card_id}/feedback"): Case(
        "theirs", lambda o: {"card_id": o.card}, lambda o: {"action": "save"}
    ),
    ("GET", "/api/v1/saved"): Case("mine"),
    ("GET", "/api/v1/curate"): Case("mine"),
    ("POST", "/api/v1/curate"): Case("mine", data=lambda o: {"text": "less about tides"}),
    ("DELETE", "/api/v1/curate/{request_id}"): Case("theirs", lambda o: {"request_id": o.request}),
    ("GET", "/api/v1/profile"): Case("mine"),
    ("POST", "/api/v1/profile/topics"): Case("mine", data=lambda o: {"topics": ["tides"]}),
    ("PATCH", "/api/v1/profile/interests/{interest_id}"): Case(
        "theirs",
        lambda o: {"interest_id": o.interest},
        lambda o: {"weight": 9.0, "label": "hijacked"},
    ),
    ("DELETE", "/api/v1/profile/interests/{interest_id}"): Case(
        "theirs", lambda o: {"interest_id": o.interest}
    ),
    ("DELETE", "/api/v1/profile/imports/{import_id}"): Case(
        "theirs", lambda o: {"import_id": o.import_id}
    ),
}
ROUTES = PAGES | API


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or {"GET"}:  # a mount (static files) answers GET
            if method != "HEAD":
                found.add((method, route.path))
    return found


def fill(path: str, params: dict[str, Any]) -> str:
    if "" in params:
        return path + params[""]
    for key, value in params.items():
        path = path.replace("{" + key + "}", str(value))
    assert "{" not in path, f"unfilled parameter in {path}"
    return path
