"""A form that asks for several changes makes all of them or none: a person never finds
half of what they asked (a new password with the old sessions still open, half an OPML
file followed)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from faults import FAULT, fail_writes
from sqlalchemy.exc import DBAPIError
from web.client import PASSWORD, Browser
from web.world import World


def test_a_password_change_that_cannot_end_the_other_sessions_changes_nothing(
    app: FastAPI, world: World
) -> None:
    laptop, phone = Browser(app), Browser(app)
    laptop.login("ana")
    phone.login("ana")  # say, a thief's
    laptop.get("/settings")
    fail_writes(world.store, "web_sessions", "DELETE")
    with pytest.raises(DBAPIError, match=FAULT):
        laptop.post(
            "/settings/password",
            {"current": PASSWORD, "password": "new password 1", "password2": "new password 1"},
        )
    # The old password still opens the account and the new one does not: the person can try
    # again, and no session survives a password change that says it happened.
    assert Browser(app).login("ana", "new password 1").url.path == "/login"
    assert Browser(app).login("ana", PASSWORD).url.path == "/"


def test_an_opml_file_that_fails_half_way_follows_nothing(ana: Browser, world: World) -> None:
    before = world.store.user_source_ids(world.ana.id)
    opml = (
        b'<?xml version="1.0"?><opml version="2.0"><head/><body>'
        b'<outline text="LWN" xmlUrl="https://lwn.net/headlines/rss"/>'
        b'<outline text="Odd" xmlUrl="https://odd.example/feed"/>'
        b"</body></opml>"
    )
    fail_writes(world.store, "sources", "INSERT", when="{row}.url = 'https://odd.example/feed'")
    with pytest.raises(DBAPIError, match=FAULT):
        ana.post("/settings/sources/opml", files={"file": ("subs.opml", opml, "text/xml")})
    # The same file can simply be sent again: nothing of it is there yet.
    assert world.store.user_source_ids(world.ana.id) == before
    assert "https://lwn.net/headlines/rss" not in {s.url for s in world.store.list_sources()}
