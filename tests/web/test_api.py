"""The JSON API with tokens made and revoked in Settings, and its published OpenAPI document."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from web.client import Browser
from web.world import NOW, World

from aube.clock import fixed_clock
from aube.compose.edition import END_MARKER, local_date
from aube.store.schema import api_tokens
from aube.web import create_app


def make_token(b: Browser, name: str = "script") -> str:
    b.get("/settings/tokens")
    page = b.post("/settings/tokens", {"name": name})
    found = re.search(r'<code class="secret">(aube_[^<]+)</code>', page.text)
    assert found, "the new token is shown once"
    return found.group(1)


def test_a_token_is_shown_once_stored_as_a_digest_and_revocable(ana: Browser, world: World) -> None:
    token = make_token(ana, "phone widget")
    assert token not in ana.get("/settings/tokens").text  # only its prefix from now on
    with world.store.engine.connect() as conn:
        stored = conn.execute(select(api_tokens)).all()
    assert len(stored) == 1 and token not in str(stored[0]) and stored[0].prefix == token[:9]
    api = ana.client
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["handle"] == "ana"
    listed = ana.get("/settings/tokens").text
    assert "phone widget" in listed and "last used" in listed
    (row,) = world.store.list_api_tokens(world.ana.id)
    ana.post(f"/settings/tokens/{row.id}/revoke")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_api_covers_the_morning(ana: Browser, world: World) -> None:
    auth = {"Authorization": f"Bearer {make_token(ana)}"}
    api = ana.client
    today = api.get("/api/v1/editions/today", headers=auth).json()
    expected = world.store.get_edition(world.ana.id, local_date(world.ana, NOW))
    assert expected is not None
    assert today["date"] == expected.date and today["end"] == END_MARKER
    assert [c["id"] for c in today["cards"]] == [c.id for c in expected.cards]
    card = today["cards"][0]
    assert {"headline", "summary", "reason", "sources", "changes", "kind"} <= set(card)
    assert api.get(f"/api/v1/editions/{expected.date}", headers=auth).json() == today
    assert api.get("/api/v1/editions", headers=auth).json() == {"dates": [expected.date]}

    saved = api.post(f"/api/v1/cards/{card['id']}/feedback", headers=auth, json={"action": "save"})
    assert saved.status_code == 200 and saved.json()["saved"] is True
    assert [c["id"] for c in api.get("/api/v1/saved", headers=auth).json()["cards"]] == [card["id"]]
    bad = api.post(f"/api/v1/cards/{card['id']}/feedback", headers=auth, json={"action": "explode"})
    assert bad.status_code == 422

    made = api.post(
        "/api/v1/curate", headers=auth, json={"text": "nothing about bitcoin crypto markets"}
    )
    assert made.status_code == 201 and made.json()["action"] == "none"
    assert api.get("/api/v1/curate", headers=auth).json()["requests"][0]["id"] == made.json()["id"]
    rebuilt = api.post("/api/v1/editions/today/regenerate", headers=auth).json()
    assert not any("Bitcoin" in c["headline"] for c in rebuilt["cards"])
    assert api.delete(f"/api/v1/curate/{made.json()['id']}", headers=auth).status_code == 204
    assert api.get("/api/v1/curate", headers=auth).json()["requests"] == []

    profile = api.get("/api/v1/profile", headers=auth).json()
    interest = profile["interests"][0]
    assert interest["evidence"] and {"label", "weight", "sign", "origin"} <= set(interest)
    changed = api.patch(
        f"/api/v1/profile/interests/{interest['id']}",
        headers=auth,
        json={"weight": 0.5, "sign": -1},
    )
    assert (
        changed.json()["weight"] == 0.5
        and changed.json()["sign"] == -1
        and changed.json()["edited"]
    )
    assert (
        api.patch(
            f"/api/v1/profile/interests/{interest['id']}", headers=auth, json={"weight": 99}
        ).status_code
        == 422
    )
    added = api.post(
        "/api/v1/profile/topics", headers=auth, json={"topics": ["tidal energy"]}
    ).json()
    assert "tidal energy" in {i["label"] for i in added["interests"]}
    assert (
        api.delete(f"/api/v1/profile/interests/{interest['id']}", headers=auth).status_code == 204
    )
    assert api.get(f"/api/v1/cards/{card['id']}", headers=auth).json()["saved"] is True
    assert api.get("/api/v1/editions/2020-01-01", headers=auth).status_code == 404


def test_today_not_built_yet_says_how_to_build_it(ana: Browser, world: World) -> None:
    auth = {"Authorization": f"Bearer {make_token(ana)}"}
    tomorrow = Browser(
        create_app(world.settings, store=world.store, clock=fixed_clock(NOW + timedelta(days=1)))
    )
    missing = tomorrow.client.get("/api/v1/editions/today", headers=auth)
    assert missing.status_code == 404 and "regenerate" in missing.json()["detail"]


def test_openapi_document_and_reference_page(browser: Browser) -> None:
    doc = browser.client.get("/openapi.json").json()
    paths = doc["paths"]
    for path in (
        "/api/v1/editions/today",
        "/api/v1/cards/{card_id}/feedback",
        "/api/v1/curate",
        "/api/v1/saved",
        "/api/v1/profile",
    ):
        assert path in paths
    assert not [p for p in paths if not p.startswith("/api/v1/")]  # pages are not API
    assert "APIToken" in doc["components"]["securitySchemes"]
    assert doc["components"]["securitySchemes"]["APIToken"]["scheme"] == "bearer"
    page = browser.get("/api")
    assert page.status_code == 200
    assert "GET /api/v1/editions/today" in page.text and 'href="/openapi.json"' in page.text
    assert 'id="schema-EditionOut"' in page.text
