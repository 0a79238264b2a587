"""The demo reader's password: made once, said again on the next run, and it logs in."""

from __future__ import annotations

from fastapi import FastAPI
from web.client import Browser
from web.world import World

from aube.web.demo import LOGIN_FILE, demo_password


def test_the_demo_password_is_stable_private_and_opens_the_account(
    app: FastAPI, world: World
) -> None:
    user = world.store.add_user("demo", now=world.ana.created_at)
    first = demo_password(world.store, world.settings, user)
    assert demo_password(world.store, world.settings, user) == first
    path = world.settings.data_dir / LOGIN_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert Browser(app).login("demo", first).url.path in ("/", "/welcome")
    # Someone changed the password meanwhile: a new one is made and written down.
    path.write_text("stale\n")
    second = demo_password(world.store, world.settings, user)
    assert second != "stale" and Browser(app).login("demo", second).url.path in ("/", "/welcome")
