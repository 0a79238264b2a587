"""Accounts: sign-up (first account administers; then open or by invitation), log-in and
log-out, cookies, password change, and deleting an account with all its data."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from web.client import PASSWORD, Browser
from web.world import NOW, World

from aube.clock import fixed_clock
from aube.errors import NotFound
from aube.store import Store, schema
from aube.web import create_app
from aube.web.routes.common import local_next


def sign_up(
    b: Browser, handle: str, *, invite: str = "", password: str = "a long password"
) -> httpx.Response:
    b.get("/signup" + (f"?invite={invite}" if invite else ""))
    return b.post(
        "/signup",
        {
            "handle": handle,
            "password": password,
            "password2": password,
            "invite": invite,
            "timezone": "Europe/Paris",
        },
    )


def test_first_account_administers_then_sign_up_is_by_invitation(
    app: FastAPI, world: World
) -> None:
    first, second, third = Browser(app), Browser(app), Browser(app)
    page = sign_up(first, "root")
    assert page.url.path == "/welcome"
    assert world.store.get_user("root").is_admin
    assert "by invitation" in second.get("/signup").text
    closed = second.post(
        "/signup",
        {"handle": "mallory", "password": "a long password", "password2": "a long password"},
        token=second.client.cookies["aube_csrf"],
    )  # a hand-made post
    assert closed.status_code == 403 and "by invitation" in closed.text
    with pytest.raises(NotFound):
        world.store.get_user("mallory")
    # The administrator makes an invitation link; it works once.
    admin = first.post("/admin/invites", {"note": "for Carol"})
    link = admin.text.split('<code class="secret">')[1].split("</code>")[0].replace("&amp;", "&")
    invite = link.split("invite=")[1]
    assert sign_up(second, "carol", invite=invite).url.path == "/welcome"
    assert not world.store.get_user("carol").is_admin
    assert "by invitation" in third.get(f"/signup?invite={invite}").text  # used up
    # Open sign-up, chosen by the administrator.
    first.post("/admin/signup", {"mode": "open"})
    assert sign_up(third, "dave").url.path == "/welcome"


def test_admin_pages_do_not_exist_for_others(ana: Browser) -> None:
    assert ana.get("/admin").status_code == 404
    assert ana.post("/admin/signup", {"mode": "open"}).status_code == 404


def test_sign_up_refuses_bad_input_and_keeps_the_invite(app: FastAPI, world: World) -> None:
    b = Browser(app)
    bad = sign_up(b, "ana")  # taken
    assert bad.status_code == 400 and "taken" in bad.text
    short = sign_up(b, "newbie", password="short")
    assert short.status_code == 400 and "at least 8" in short.text
    b.get("/signup")
    differ = b.post(
        "/signup",
        {"handle": "newbie", "password": "a long password", "password2": "another long one"},
    )
    assert differ.status_code == 400 and "differ" in differ.text


def test_log_in_sets_a_safe_cookie_and_log_out_ends_the_session(app: FastAPI, world: World) -> None:
    b = Browser(app)
    b.get("/login")
    response = b.client.post(
        "/login",
        data={"name": "ana@example.org", "password": PASSWORD, "csrf_token": b.token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "aube_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; see the https test
    stolen = b.client.cookies.get("aube_session")
    assert b.get("/").url.path == "/"
    b.get("/settings")
    b.post("/logout")
    assert b.get("/").url.path == "/login"
    # The old cookie is worthless: the session is gone from the store.
    other = Browser(app)
    other.client.cookies.set("aube_session", stolen)  # type: ignore[arg-type]
    assert other.get("/profile").url.path == "/login"


def test_cookies_are_secure_over_https(app: FastAPI) -> None:
    b = Browser(app, base_url="https://testserver")
    b.get("/login")
    response = b.client.post(
        "/login",
        data={"name": "ana", "password": PASSWORD, "csrf_token": b.token},
        follow_redirects=False,
    )
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(app: FastAPI) -> None:
    b = Browser(app)
    wrong = b.login("ana", "not the password")
    unknown = b.login("nobody", "not the password")
    for page in (wrong, unknown):
        assert page.status_code == 400 and "Wrong user name or password" in page.text


def test_log_in_goes_back_where_it_was_asked_and_never_to_another_site(app: FastAPI) -> None:
    b = Browser(app)
    login = b.get("/profile")
    assert login.url.path == "/login" and 'value="/profile"' in login.text
    assert (
        b.post("/login", {"name": "ana", "password": PASSWORD, "next": "/profile"}).url.path
        == "/profile"
    )
    for evil in (
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        assert local_next(evil) == "/"


def test_password_change_ends_the_other_sessions(app: FastAPI, world: World) -> None:
    laptop, phone = Browser(app), Browser(app)
    laptop.login("ana")
    phone.login("ana")
    laptop.get("/settings")
    wrong = laptop.post(
        "/settings/password",
        {"current": "nope", "password": "new password 1", "password2": "new password 1"},
    )
    assert wrong.status_code == 400
    done = laptop.post(
        "/settings/password",
        {"current": PASSWORD, "password": "new password 1", "password2": "new password 1"},
    )
    assert "your other devices are logged out" in done.text
    assert laptop.get("/profile").url.path == "/profile"
    assert phone.get("/profile").url.path == "/login"
    assert Browser(app).login("ana", "new password 1").url.path == "/"


def _owned_rows(store: Store, user_id: int) -> dict[str, int]:
    counts = {}
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            column = table.c.get("user_id")
            if column is not None:
                counts[table.name] = conn.execute(
                    select(func.count()).select_from(table).where(column == user_id)
                ).scalar_one()
    return counts


def test_deleting_the_account_removes_all_its_data(ana: Browser, world: World) -> None:
    # Give Ana one of everything: feedback, a request, an import, a token, a saved card.
    page = ana.get("/")
    card = int(page.text.split('id="card-')[1].split('"')[0])
    ana.post(f"/cards/{card}/feedback", {"action": "save"})
    ana.post("/curate", {"text": "nothing about football"})
    ana.get("/settings/tokens")
    ana.post("/settings/tokens", {"name": "script"})
    before = _owned_rows(world.store, world.ana.id)
    assert all(
        before[t] > 0
        for t in (
            "cards",
            "editions",
            "interests",
            "evidence",
            "curate_requests",
            "feedback_events",
            "subscriptions",
            "web_sessions",
            "api_tokens",
        )
    )
    ana.get("/settings")
    refused = ana.post("/settings/delete", {"confirm": "ana", "password": "wrong"})
    assert refused.status_code == 400 and world.store.get_user("ana")
    gone = ana.post("/settings/delete", {"confirm": "ana", "password": PASSWORD})
    assert gone.url.path == "/login" and "are deleted" in gone.text
    assert set(_owned_rows(world.store, world.ana.id).values()) == {0}
    assert world.store.get_user("bob")  # nobody else's data went with it
    assert _owned_rows(world.store, world.bob.id)["cards"] > 0


def test_sessions_expire_after_the_configured_days_without_use(app: FastAPI, world: World) -> None:
    b = Browser(app)
    b.login("ana")
    later = create_app(
        world.settings,
        store=world.store,
        clock=fixed_clock(NOW + timedelta(days=world.settings.web_session_days + 1)),
    )
    stale = Browser(later)
    stale.client.cookies.set("aube_session", b.client.cookies.get("aube_session"))  # type: ignore[arg-type]
    assert stale.get("/").url.path == "/login"
