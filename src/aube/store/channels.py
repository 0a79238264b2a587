"""Delivery channels: the ways a reader receives the edition (their email, an Apprise URL,
their Atom feed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from aube.errors import InvalidInput, NotFound
from aube.store.base import Repo, row_dict
from aube.store.schema import delivery_channels

CHANNEL_KINDS = ("email", "apprise", "atom")


@dataclass(frozen=True)
class ChannelRecord:
    """One way a user receives the edition: their email, one Apprise URL, or their Atom feed."""

    id: int
    user_id: int
    kind: str
    target: str  # the Apprise URL; "" for email (the user's address) and atom
    enabled: bool
    has_feed_token: bool
    unsubscribe_token: str | None
    created_at: datetime
    updated_at: datetime


def _channel(row: Any) -> ChannelRecord:
    data = row_dict(row)
    data["has_feed_token"] = data.pop("secret_hash") is not None
    return ChannelRecord(**data)


_CHANNEL_FIELDS = {"enabled", "target", "secret_hash", "unsubscribe_token"}


class ChannelsRepo(Repo):
    def add(
        self,
        user_id: int,
        kind: str,
        *,
        now: datetime,
        target: str = "",
        enabled: bool = True,
        secret_hash: str | None = None,
        unsubscribe_token: str | None = None,
    ) -> ChannelRecord:
        if kind not in CHANNEL_KINDS:
            raise InvalidInput(f"unknown channel {kind!r}; known: {', '.join(CHANNEL_KINDS)}")
        try:
            # A savepoint: a duplicate fails this insert only, and the unit stays usable.
            with self.conn.begin_nested():
                channel_id = self.conn.execute(
                    insert(delivery_channels).values(
                        user_id=user_id,
                        kind=kind,
                        target=target,
                        enabled=enabled,
                        secret_hash=secret_hash,
                        unsubscribe_token=unsubscribe_token,
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]
        except IntegrityError:
            if self.find(user_id, kind, target) is not None:
                raise InvalidInput(f"this user already has that {kind} channel") from None
            raise NotFound(f"no user {user_id}") from None
        return self.get(user_id, int(channel_id))

    def get(self, user_id: int, channel_id: int) -> ChannelRecord:
        """A channel of this user's; another user's channel is "not found"."""
        conn = self.conn
        row = conn.execute(
            select(delivery_channels).where(
                delivery_channels.c.id == channel_id, delivery_channels.c.user_id == user_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no channel {channel_id} for this user (see `aube channels list`)")
        return _channel(row)

    def find(self, user_id: int, kind: str, target: str = "") -> ChannelRecord | None:
        conn = self.conn
        row = conn.execute(
            select(delivery_channels).where(
                delivery_channels.c.user_id == user_id,
                delivery_channels.c.kind == kind,
                delivery_channels.c.target == target,
            )
        ).first()
        return _channel(row) if row else None

    def of_user(self, user_id: int) -> list[ChannelRecord]:
        conn = self.conn
        return [
            _channel(r)
            for r in conn.execute(
                select(delivery_channels)
                .where(delivery_channels.c.user_id == user_id)
                .order_by(delivery_channels.c.id)
            )
        ]

    def enabled(self) -> dict[int, list[ChannelRecord]]:
        """Every user's enabled channels (an Atom feed counts only while it has a token)."""
        found: dict[int, list[ChannelRecord]] = {}
        query = (
            select(delivery_channels)
            .where(delivery_channels.c.enabled.is_(True))
            .order_by(delivery_channels.c.id)
        )
        conn = self.conn
        for row in conn.execute(query):
            channel = _channel(row)
            if channel.kind == "atom" and not channel.has_feed_token:
                continue
            found.setdefault(channel.user_id, []).append(channel)
        return found

    def update(
        self, user_id: int, channel_id: int, *, now: datetime, **values: Any
    ) -> ChannelRecord:
        bad = set(values) - _CHANNEL_FIELDS
        if bad:
            raise InvalidInput(f"cannot change channel field(s): {', '.join(sorted(bad))}")
        conn = self.conn
        done = conn.execute(
            update(delivery_channels)
            .where(
                delivery_channels.c.id == channel_id,
                delivery_channels.c.user_id == user_id,
            )
            .values(updated_at=now, **values)
        )
        if done.rowcount == 0:
            raise NotFound(f"no channel {channel_id} for this user")
        return self.get(user_id, channel_id)

    def remove(self, user_id: int, channel_id: int) -> None:
        """Delete a channel and its delivery history."""
        conn = self.conn
        done = conn.execute(
            delete(delivery_channels).where(
                delivery_channels.c.id == channel_id, delivery_channels.c.user_id == user_id
            )
        )
        if done.rowcount == 0:
            raise NotFound(f"no channel {channel_id} for this user")

    def by_secret_hash(self, secret_hash: str) -> ChannelRecord | None:
        conn = self.conn
        row = conn.execute(
            select(delivery_channels).where(delivery_channels.c.secret_hash == secret_hash)
        ).first()
        return _channel(row) if row else None

    def by_unsubscribe_token(self, token: str) -> ChannelRecord | None:
        conn = self.conn
        row = conn.execute(
            select(delivery_channels).where(delivery_channels.c.unsubscribe_token == token)
        ).first()
        return _channel(row) if row else None
