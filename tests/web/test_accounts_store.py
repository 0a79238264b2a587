"""The store side of accounts, on SQLite and PostgreSQL: sessions, API tokens, invitations,
log-in failures, site settings, and their cascade when a user goes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from web.world import NOW

from aube.errors import InvalidInput, NotFound
from aube.store import Store


def test_sessions_live_until_they_expire_and_die_with_the_user(any_store: Store) -> None:
    ana = any_store.add_user("ana", now=NOW)
    any_store.add_session(
        ana.id, session_id="s1", csrf="c1", now=NOW, expires_at=NOW + timedelta(days=1)
    )
    any_store.add_session(
        ana.id, session_id="s2", csrf="c2", now=NOW, expires_at=NOW + timedelta(days=1)
    )
    found = any_store.session_user("s1", now=NOW)
    assert found is not None and found[0].csrf == "c1" and found[1].handle == "ana"
    assert any_store.session_user("s1", now=NOW + timedelta(days=2)) is None  # expired
    any_store.renew_session("s1", now=NOW + timedelta(hours=20), expires_at=NOW + timedelta(days=3))
    assert any_store.session_user("s1", now=NOW + timedelta(days=2)) is not None
    assert any_store.delete_sessions(ana.id, keep="s1") == 1
    assert any_store.session_user("s2", now=NOW) is None
    assert any_store.prune_sessions(now=NOW + timedelta(days=4)) == 1
    any_store.add_session(
        ana.id, session_id="s3", csrf="c3", now=NOW, expires_at=NOW + timedelta(days=1)
    )
    any_store.delete_user(ana.id)
    assert any_store.session_user("s3", now=NOW) is None


def test_api_tokens_are_found_by_digest_and_only_their_owner_revokes_them(any_store: Store) -> None:
    ana = any_store.add_user("ana", now=NOW)
    bob = any_store.add_user("bob", now=NOW)
    token = any_store.add_api_token(
        ana.id, name="  my   script ", prefix="aube_abcd", token_hash="d" * 64, now=NOW
    )
    assert token.name == "my script" and token.last_used_at is None
    with pytest.raises(InvalidInput, match="name"):
        any_store.add_api_token(ana.id, name=" ", prefix="aube_x", token_hash="e" * 64, now=NOW)
    found = any_store.token_user("d" * 64)
    assert found is not None and found[1].id == ana.id
    any_store.touch_api_token(token.id, now=NOW + timedelta(hours=1))
    assert any_store.list_api_tokens(ana.id)[0].last_used_at == NOW + timedelta(hours=1)
    with pytest.raises(NotFound):
        any_store.delete_api_token(bob.id, token.id)
    any_store.delete_api_token(ana.id, token.id)
    assert any_store.token_user("d" * 64) is None


def test_an_invitation_is_claimed_once_and_released_if_sign_up_fails(any_store: Store) -> None:
    admin = any_store.add_user("root", now=NOW, is_admin=True, password_hash="x")
    assert any_store.count_admins() == 1
    invite = any_store.add_invite(
        admin.id, token_hash="i" * 64, note="for Carol", now=NOW, expires_at=NOW + timedelta(days=7)
    )
    assert any_store.find_invite("i" * 64, now=NOW) is not None
    assert any_store.find_invite("i" * 64, now=NOW + timedelta(days=8)) is None
    claimed = any_store.claim_invite("i" * 64, now=NOW)
    assert claimed == invite.id and any_store.claim_invite("i" * 64, now=NOW) is None
    any_store.finish_invite(invite.id, used_by=None)  # the sign-up failed: the link works again
    assert any_store.claim_invite("i" * 64, now=NOW) == invite.id
    carol = any_store.add_user("carol", now=NOW)
    any_store.finish_invite(invite.id, used_by=carol.id)
    assert any_store.list_invites()[0].used_by == carol.id
    assert any_store.claim_invite("unknown", now=NOW) is None


def test_login_failures_are_counted_in_their_window(any_store: Store) -> None:
    for minutes in (0, 5, 10):
        any_store.add_login_failure(
            account="user:1", ip="10.0.0.1", now=NOW + timedelta(minutes=minutes)
        )
    any_store.add_login_failure(account="name:x", ip="10.0.0.1", now=NOW + timedelta(minutes=11))
    by_account, by_ip, oldest = any_store.login_failure_counts(
        account="user:1", ip="10.0.0.1", since=NOW + timedelta(minutes=1)
    )
    assert (by_account, by_ip, oldest) == (2, 3, NOW + timedelta(minutes=5))
    any_store.clear_login_failures(account="user:1")
    assert any_store.login_failure_counts(account="user:1", ip="10.0.0.2", since=NOW)[:2] == (0, 0)
    assert any_store.prune_login_failures(before=NOW + timedelta(minutes=20)) == 1


def test_site_settings_are_written_and_overwritten(any_store: Store) -> None:
    assert any_store.site_setting("signup", "invite") == "invite"
    any_store.set_site_setting("signup", "open")
    any_store.set_site_setting("signup", "open")
    assert any_store.site_setting("signup") == "open"
    any_store.set_site_setting("signup", "invite")
    assert any_store.site_setting("signup") == "invite"
