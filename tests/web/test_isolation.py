"""One user can never read or change another user's cards, profile, requests, imports,
sources, tokens or invitations, by any route or API call.

Every route of the app is listed in ``routes_table.ROUTES`` with how Ana aims it at Bob's
things; a route the app has and the table lacks fails ``test_every_route_is_covered``, so a
new route cannot escape this test. A route naming one of Bob's things must answer 404; any
other must show none of Bob's words; and after all of them, nothing of Bob's has changed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from web.client import Browser
from web.owned import Owned, make_owned
from web.routes_table import API, PAGES, ROUTES, app_routes, fill
from web.world import World

from aube.store import Store, schema


def test_every_route_is_covered(app: FastAPI) -> None:
    routes = app_routes(app)
    assert routes - set(ROUTES) == set(), "new routes: say how each keeps users apart (ROUTES)"
    assert set(ROUTES) - routes == set(), "ROUTES names routes the app no longer has"


def fingerprint(store: Store, user_id: int) -> str:
    """Every row that belongs to the user, in every table (and the invitations they made)."""
    rows: dict[str, list[Any]] = {}
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            column = table.c.get("user_id")
            if table.name == "users":
                column = table.c.id
            elif table.name == "invites":
                column = table.c.created_by
            if column is None:
                continue
            rows[table.name] = [
                list(r)
                for r in conn.execute(
                    select(table).where(column == user_id).order_by(*table.primary_key.columns)
                )
            ]
    return json.dumps(rows, default=str, sort_keys=True)


@pytest.fixture
def store(any_store: Store) -> Store:
    """These tests run on SQLite and on PostgreSQL."""
    return any_store


@pytest.fixture
def victims(app: FastAPI, world: World) -> tuple[Owned, Owned]:
    world.store.update_user(world.bob.id, is_admin=True)
    ana, bob = Browser(app), Browser(app)
    ana.login("ana")
    bob.login("bob")
    bob_owned = make_owned(
        world.store, bob, world.store.get_user("bob"), "quokka", day="2026-02-11"
    )
    ana_owned = make_owned(world.store, ana, world.store.get_user("ana"), "ibis", day="2026-02-12")
    return ana_owned, bob_owned


def test_no_page_reaches_another_users_data(
    app: FastAPI, world: World, victims: tuple[Owned, Owned]
) -> None:
    _, bob = victims
    before = fingerprint(world.store, bob.user.id)
    ana = Browser(app)
    ana.login("ana")
    for (method, path), case in sorted(PAGES.items(), key=lambda kv: kv[1].order):
        ana.get("/settings")  # a fresh form token, as a page would carry
        url = fill(path, case.params(bob))
        if method == "GET":
            response = ana.get(url)
        else:
            response = ana.post(url, case.data(bob), files=case.files(bob) if case.files else None)
        where = f"{method} {path}"
        if case.kind == "theirs":
            assert response.status_code == 404, f"{where} answered {response.status_code}"
        else:
            assert response.status_code < 500, where
        for marker in bob.markers:
            assert marker not in response.text, f"{where} shows Bob's {marker!r}"
        assert f'id="card-{bob.card}"' not in response.text, where
    assert fingerprint(world.store, bob.user.id) == before
    assert Browser(app).login("bob").url.path == "/"  # Bob's account works as before


def test_no_api_call_reaches_another_users_data(
    app: FastAPI, world: World, victims: tuple[Owned, Owned]
) -> None:
    ana, bob = victims
    before = fingerprint(world.store, bob.user.id)
    client = Browser(app).client
    auth = {"Authorization": f"Bearer {ana.token}"}
    for (method, path), case in API.items():
        url = fill(path, case.params(bob))
        data = case.data(bob)
        response = client.request(method, url, headers=auth, json=data if data else None)
        where = f"{method} {path}"
        if case.kind == "theirs":
            assert response.status_code == 404, f"{where} answered {response.status_code}"
        else:
            assert response.status_code < 400, (
                f"{where} answered {response.status_code}: {response.text}"
            )
        for marker in bob.markers:
            assert marker not in response.text, f"{where} shows Bob's {marker!r}"
        if (
            response.headers.get("content-type", "").startswith("application/json")
            and response.content
        ):
            assert f'"id": {bob.card},' not in json.dumps(response.json())
    assert fingerprint(world.store, bob.user.id) == before


def test_api_tokens_are_their_owners_and_only_theirs(
    app: FastAPI, world: World, victims: tuple[Owned, Owned]
) -> None:
    ana, bob = victims
    client = Browser(app).client
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {bob.token}"}).json()
    assert me["handle"] == "bob"
    for bad in ("", "aube_forged", ana.token[:-1], ana.token + "x", "Basic " + ana.token):
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    # Cookies open no API door: a logged-in browser is not an API client.
    browser = Browser(app)
    browser.login("ana")
    assert browser.client.get("/api/v1/me").status_code == 401
