"""Log-in throttling: per account and per address, kept in the store (a restart does not
reset it), cleared by a successful log-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from web.client import PASSWORD, Browser
from web.world import NOW, World

from aube.clock import fixed_clock
from aube.config import load_settings
from aube.web import create_app
from aube.web.throttle import Limits, paused_until


def test_pause_ends_when_the_oldest_failure_leaves_the_window() -> None:
    limits = Limits(window=timedelta(minutes=15), per_account=5, per_ip=20)
    t = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert paused_until(4, 19, t, limits) is None
    assert paused_until(5, 0, t, limits) == t + timedelta(minutes=15)
    assert paused_until(0, 20, t, limits) == t + timedelta(minutes=15)


def test_an_account_pauses_after_five_failures_even_for_the_right_password(
    app: FastAPI, world: World
) -> None:
    attacker = Browser(app)
    for _ in range(5):
        assert attacker.login("ana", "guess").status_code == 400
    paused = attacker.login("ana", PASSWORD)
    assert paused.status_code == 429 and "Too many failed log-ins" in paused.text
    assert int(paused.headers["retry-after"]) > 0
    # By email too: it is the same account.
    assert Browser(app).login("ana@example.org", PASSWORD).status_code == 429
    # Another account is not paused.
    assert Browser(app).login("bob").url.path == "/"
    # A restart (a new app on the same store) keeps the count.
    again = create_app(world.settings, store=world.store, clock=fixed_clock(NOW))
    assert Browser(again).login("ana", PASSWORD).status_code == 429
    # After the window, Ana logs in, and her count starts again from zero.
    later = create_app(
        world.settings,
        store=world.store,
        clock=fixed_clock(
            NOW + timedelta(minutes=world.settings.web_login_window_minutes, seconds=1)
        ),
    )
    assert Browser(later).login("ana").url.path == "/"
    assert Browser(later).login("ana", "guess").status_code == 400
    assert Browser(later).login("ana").url.path == "/"


def test_one_address_guessing_many_accounts_is_paused(world: World) -> None:
    settings = load_settings(
        data_dir=world.settings.data_dir, embed_backend="hashing", web_login_failures_per_ip=3
    )
    app = create_app(settings, store=world.store, clock=fixed_clock(NOW))
    b = Browser(app)
    for name in ("zed", "yan", "xia"):
        assert b.login(name, "guess").status_code == 400
    assert b.login("bob", PASSWORD).status_code == 429  # same address (the test client's)
