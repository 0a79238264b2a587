"""A user's delivery channels, as the CLI and the web app change them: email opt-in and out,
Apprise URLs, the private Atom feed; one-click unsubscribe; "send me a test". Each change is
one transaction, so a look-then-change (is there an email channel yet?) cannot be overtaken."""

from __future__ import annotations

import secrets
from datetime import datetime

from aube.compose.edition import local_date
from aube.config import Settings
from aube.deliver.atom import new_feed_token, token_hash
from aube.deliver.base import DeliveryError, Outgoing, channel_for
from aube.deliver.notify import check_url
from aube.errors import InvalidInput, NotFound
from aube.store import ChannelRecord, Store, Unit
from aube.types import Edition, User


def enable_email(store: Store, settings: Settings, user: User, *, now: datetime) -> ChannelRecord:
    """Opt in to the morning email (at the user's address)."""
    if not user.email:
        raise InvalidInput(
            f"{user.handle} has no email address: set one first "
            f"(aube users set {user.handle} --email …)"
        )
    if not settings.smtp_host:
        raise InvalidInput(
            "email is not set up on this server: the administrator must set "
            "smtp_host (AUBE_SMTP_HOST) first"
        )
    with store.write() as uow:
        existing = uow.channels.find(user.id, "email")
        if existing is None:
            return uow.channels.add(
                user.id, "email", now=now, unsubscribe_token=secrets.token_urlsafe(24)
            )
        return uow.channels.update(
            user.id,
            existing.id,
            now=now,
            enabled=True,
            unsubscribe_token=existing.unsubscribe_token or secrets.token_urlsafe(24),
        )


def disable_email(store: Store, user: User, *, now: datetime) -> None:
    """Opt out. The channel (and its history) stays, switched off, so that opting in again the
    same day cannot send that day's edition a second time."""
    with store.write() as uow:
        _disable_email(uow, user, now=now)


def _disable_email(uow: Unit, user: User, *, now: datetime) -> None:
    existing = uow.channels.find(user.id, "email")
    if existing is not None:
        uow.channels.update(user.id, existing.id, now=now, enabled=False)


def add_apprise(
    store: Store, settings: Settings, user: User, url: str, *, now: datetime
) -> ChannelRecord:
    url = url.strip()
    check_url(url, settings)  # resolves the host: before the write lock
    with store.write() as uow:
        if uow.channels.find(user.id, "apprise", url) is not None:
            raise InvalidInput("this notification URL is already one of the user's channels")
        return uow.channels.add(user.id, "apprise", now=now, target=url)


def create_feed(store: Store, user: User, *, now: datetime) -> tuple[ChannelRecord, str]:
    """Make (or remake) the user's private feed; returns the channel and the token, which is
    shown now and never again (only its hash is kept). A previous URL stops working."""
    token = new_feed_token()
    with store.write() as uow:
        existing = uow.channels.find(user.id, "atom")
        if existing is None:
            channel = uow.channels.add(user.id, "atom", now=now, secret_hash=token_hash(token))
        else:
            channel = uow.channels.update(
                user.id, existing.id, now=now, enabled=True, secret_hash=token_hash(token)
            )
    return channel, token


def revoke_feed(store: Store, user: User, *, now: datetime) -> bool:
    """End the private feed: its URL answers "not found" from now on."""
    with store.write() as uow:
        return _revoke_feed(uow, user, now=now)


def _revoke_feed(uow: Unit, user: User, *, now: datetime) -> bool:
    existing = uow.channels.find(user.id, "atom")
    if existing is None or not existing.has_feed_token:
        return False
    uow.channels.update(user.id, existing.id, now=now, secret_hash=None)
    return True


def remove_channel(store: Store, user: User, channel_id: int, *, now: datetime) -> str:
    """Stop a channel: email is switched off, the feed revoked, an Apprise URL deleted."""
    with store.write() as uow:
        channel = uow.channels.get(user.id, channel_id)
        if channel.kind == "email":
            _disable_email(uow, user, now=now)
            return "email briefings turned off"
        if channel.kind == "atom":
            _revoke_feed(uow, user, now=now)
            return "private feed revoked"
        uow.channels.remove(user.id, channel.id)
        return "notification URL removed"


def unsubscribe(store: Store, token: str, *, now: datetime) -> User:
    """One-click unsubscribe from an email's link or List-Unsubscribe-Post; idempotent."""
    with store.write() as uow:
        channel = uow.channels.by_unsubscribe_token(token.strip()) if token.strip() else None
        if channel is None or channel.kind != "email":
            raise NotFound("this unsubscribe link is not valid (any more)")
        if channel.enabled:
            uow.channels.update(channel.user_id, channel.id, now=now, enabled=False)
        return uow.users.get(channel.user_id)


def send_test(
    store: Store, settings: Settings, user: User, channel_id: int, *, now: datetime
) -> str:
    """ "Send me a test": the latest edition (or an empty one) on this channel, now, outside the
    schedule (it is not a day's delivery and changes none). Raises DeliveryError with the reason
    when it fails."""
    channel = store.get_channel(user.id, channel_id)
    if channel.kind == "atom":
        if not channel.has_feed_token:
            raise DeliveryError("the private feed is revoked: make a new one first", permanent=True)
        return "the private feed is live: your feed reader fetches it (nothing is pushed)"
    dates = store.edition_dates(user.id, limit=1)
    edition = store.get_edition(user.id, dates[0]) if dates else None
    if edition is None:
        edition = Edition(
            id=0, user_id=user.id, date=local_date(user, now), created_at=now, quiet=True, cards=()
        )
    impl = channel_for(channel.kind, settings)
    try:
        prepared = impl.prepare(
            Outgoing(user=user, edition=edition, channel=channel, now=now, test=True)
        )
        return impl.send(prepared)
    finally:
        impl.close()
