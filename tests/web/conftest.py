"""Fixtures for the web tests: the small world, the app over it, and a browser-like client
that logs in through the real form and carries the page's CSRF token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from web.client import Browser, password_hash
from web.world import NOW, World, build_world

from aube.clock import fixed_clock
from aube.config import Settings
from aube.store import Store
from aube.web import create_app


@pytest.fixture
def world(store: Store, settings: Settings) -> World:
    w = build_world(store, settings)
    for user in (w.ana, w.bob):
        store.update_user(user.id, password_hash=password_hash())
    return w


@pytest.fixture
def app(world: World) -> Iterator[FastAPI]:
    app = create_app(world.settings, store=world.store, clock=fixed_clock(NOW))
    yield app
    app.state.web.jobs.shutdown()  # imports still running finish before the store closes


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Browser]:
    b = Browser(app)
    yield b
    b.client.close()


@pytest.fixture
def ana(app: FastAPI) -> Iterator[Browser]:
    b = Browser(app)
    assert b.login("ana").url.path == "/"
    yield b
    b.client.close()


@pytest.fixture
def bob(app: FastAPI) -> Iterator[Browser]:
    b = Browser(app)
    assert b.login("bob").url.path == "/"
    yield b
    b.client.close()
