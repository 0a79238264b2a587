"""Every state-changing page route refuses a request without the page's CSRF token (or with
another session's), and changes nothing; before log-in, the visitor cookie's token guards
the log-in and sign-up forms."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from web.client import PASSWORD, Browser
from web.owned import Owned, make_owned
from web.routes_table import PAGES, app_routes, fill
from web.world import World

from aube.store import Store, schema

# RFC 8058 one-click unsubscribe: a mail provider posts it without a session, so it carries no
# token; its URL is the credential (tests/web/test_delivery_pages.py).
EXEMPT = {"/unsubscribe/{token}"}


def everything(store: Store) -> str:
    with store.engine.connect() as conn:
        return json.dumps(
            {
                t.name: [list(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in schema.metadata.sorted_tables
            },
            default=str,
        )


def test_every_form_route_needs_the_token(app: FastAPI, world: World) -> None:
    ana, bob = Browser(app), Browser(app)
    ana.login("ana")
    bob.login("bob")
    mine: Owned = make_owned(
        world.store, ana, world.store.get_user("ana"), "ibis", day="2026-02-12"
    )
    bob.get("/settings")
    posts = sorted(
        p
        for m, p in app_routes(app)
        if m == "POST" and not p.startswith("/api/") and p not in EXEMPT
    )
    assert len(posts) > 20
    before = everything(world.store)
    for path in posts:
        case = PAGES[("POST", path)]
        url = fill(path, case.params(mine))
        files: Any = case.files(mine) if case.files else None
        for token in ("", "forged-token-value-long-enough", bob.token):
            response = ana.client.post(
                url, data=case.data(mine) | {"csrf_token": token}, files=files
            )
            assert response.status_code == 403, f"POST {path} with token {token[:8]!r}"
            assert "This form has expired" in response.text
        header = ana.client.post(
            url, data=case.data(mine), files=files, headers={"X-CSRF-Token": bob.token}
        )
        assert header.status_code == 403, f"POST {path} with another session's header"
    assert everything(world.store) == before
    assert ana.get("/").url.path == "/"  # still logged in, nothing happened


def test_log_in_form_needs_the_visitor_token(app: FastAPI) -> None:
    b = Browser(app)
    refused = b.client.post("/login", data={"name": "ana", "password": PASSWORD})
    assert refused.status_code == 403
    b.get("/login")  # sets the visitor cookie; the form carries its value
    cookie = b.client.cookies["aube_csrf"]
    assert b.token == cookie
    wrong = b.client.post(
        "/login",
        data={"name": "ana", "password": PASSWORD, "csrf_token": "x" * 43},
        follow_redirects=False,
    )
    assert wrong.status_code == 403
    assert b.post("/login", {"name": "ana", "password": PASSWORD}).url.path == "/"
    assert "aube_csrf" not in b.client.cookies  # the session's own token takes over


def test_a_session_token_is_only_good_for_its_session(app: FastAPI) -> None:
    one, two = Browser(app), Browser(app)
    one.login("ana")
    two.login("ana")
    one.get("/curate")
    two.get("/curate")
    assert one.token != two.token
    assert two.post("/curate", {"text": "more on tides"}, token=one.token).status_code == 403
    assert two.post("/curate", {"text": "more on tides"}).status_code == 200
