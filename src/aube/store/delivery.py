"""Delivery channels, the deliveries themselves (claims that make sending exactly-once), and the
worker's locks.

A delivery is one (channel, day) pair; the unique constraint on it means a day's edition can be
sent on a channel at most once, whoever asks. Its life:

    (none) ──claim──► claimed ──begin_sending──► sending ──► sent
                         │                          ├──────► retry ──claim──► claimed …
                         │                          ├──────► failed (given up, or the day passed)
                         │                          └─(lease runs out)──► unknown (perhaps sent)
                         └─(lease runs out: nothing was sent)──► claimable again

Every step is a conditional UPDATE naming the worker that holds the claim, so a worker whose
lease ran out (stalled, not dead) cannot step on the one that took over. ``sending`` is written
and committed before the message leaves: a crash after it is "perhaps sent" and is never
resent automatically; a crash before it is "not started" and is safely claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from aube.errors import InvalidInput, NotFound
from aube.store.base import StoreBase, row_dict
from aube.store.schema import deliveries, delivery_channels, editions, runs, worker_locks

CHANNEL_KINDS = ("email", "apprise", "atom")
OPEN_STATUSES = ("claimed", "sending", "retry")  # not finished yet
DONE_STATUSES = ("sent", "failed", "unknown", "skipped")


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


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    user_id: int
    channel_id: int
    kind: str
    date: str
    edition_id: int | None
    status: str
    attempts: int
    worker: str | None
    lease_until: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    error: str | None
    detail: str | None


def _channel(row: Any) -> ChannelRecord:
    data = row_dict(row)
    data["has_feed_token"] = data.pop("secret_hash") is not None
    return ChannelRecord(**data)


def _delivery(row: Any) -> DeliveryRecord:
    return DeliveryRecord(**row_dict(row))


_CHANNEL_FIELDS = {"enabled", "target", "secret_hash", "unsubscribe_token"}


class DeliveryMixin(StoreBase):
    # -- channels

    def add_channel(
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
            with self.transaction() as conn:
                channel_id = conn.execute(
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
            if self.find_channel(user_id, kind, target) is not None:
                raise InvalidInput(f"this user already has that {kind} channel") from None
            raise NotFound(f"no user {user_id}") from None
        return self.get_channel(user_id, int(channel_id))

    def get_channel(self, user_id: int, channel_id: int) -> ChannelRecord:
        """A channel of this user's; another user's channel is "not found"."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(delivery_channels).where(
                    delivery_channels.c.id == channel_id, delivery_channels.c.user_id == user_id
                )
            ).first()
        if row is None:
            raise NotFound(f"no channel {channel_id} for this user (see `aube channels list`)")
        return _channel(row)

    def find_channel(self, user_id: int, kind: str, target: str = "") -> ChannelRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(delivery_channels).where(
                    delivery_channels.c.user_id == user_id,
                    delivery_channels.c.kind == kind,
                    delivery_channels.c.target == target,
                )
            ).first()
        return _channel(row) if row else None

    def list_channels(self, user_id: int) -> list[ChannelRecord]:
        with self.engine.connect() as conn:
            return [
                _channel(r)
                for r in conn.execute(
                    select(delivery_channels)
                    .where(delivery_channels.c.user_id == user_id)
                    .order_by(delivery_channels.c.id)
                )
            ]

    def enabled_channels(self) -> dict[int, list[ChannelRecord]]:
        """Every user's enabled channels (an Atom feed counts only while it has a token)."""
        found: dict[int, list[ChannelRecord]] = {}
        query = (
            select(delivery_channels)
            .where(delivery_channels.c.enabled.is_(True))
            .order_by(delivery_channels.c.id)
        )
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                channel = _channel(row)
                if channel.kind == "atom" and not channel.has_feed_token:
                    continue
                found.setdefault(channel.user_id, []).append(channel)
        return found

    def update_channel(
        self, user_id: int, channel_id: int, *, now: datetime, **values: Any
    ) -> ChannelRecord:
        bad = set(values) - _CHANNEL_FIELDS
        if bad:
            raise InvalidInput(f"cannot change channel field(s): {', '.join(sorted(bad))}")
        with self.transaction() as conn:
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
        return self.get_channel(user_id, channel_id)

    def remove_channel(self, user_id: int, channel_id: int) -> None:
        """Delete a channel and its delivery history."""
        with self.transaction() as conn:
            done = conn.execute(
                delete(delivery_channels).where(
                    delivery_channels.c.id == channel_id, delivery_channels.c.user_id == user_id
                )
            )
        if done.rowcount == 0:
            raise NotFound(f"no channel {channel_id} for this user")

    def channel_by_secret_hash(self, secret_hash: str) -> ChannelRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(delivery_channels).where(delivery_channels.c.secret_hash == secret_hash)
            ).first()
        return _channel(row) if row else None

    def channel_by_unsubscribe_token(self, token: str) -> ChannelRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(delivery_channels).where(delivery_channels.c.unsubscribe_token == token)
            ).first()
        return _channel(row) if row else None

    # -- what the schedule looks at

    def last_runs(self, jobs: Sequence[str]) -> dict[str, tuple[datetime, datetime | None]]:
        """For each job, (started_at, finished_at) of its latest run."""
        found: dict[str, tuple[datetime, datetime | None]] = {}
        with self.engine.connect() as conn:
            for job in jobs:
                row = conn.execute(
                    select(runs.c.started_at, runs.c.finished_at)
                    .where(runs.c.job == job)
                    .order_by(runs.c.started_at.desc(), runs.c.id.desc())
                    .limit(1)
                ).first()
                if row is not None:
                    found[job] = (row.started_at, row.finished_at)
        return found

    def edition_keys(self, dates: Sequence[str]) -> dict[tuple[int, str], tuple[int, int]]:
        """(user_id, date) → (edition id, card count) for the editions of these days."""
        found: dict[tuple[int, str], tuple[int, int]] = {}
        with self.engine.connect() as conn:
            for uid, date, eid, count in conn.execute(
                select(
                    editions.c.user_id, editions.c.date, editions.c.id, editions.c.card_count
                ).where(editions.c.date.in_(list(dates)))
            ):
                found[(uid, date)] = (eid, count)
        return found

    def open_deliveries(self) -> list[DeliveryRecord]:
        """Every unfinished delivery (claimed, sending, retry), of any day."""
        query = select(deliveries).where(deliveries.c.status.in_(OPEN_STATUSES))
        with self.engine.connect() as conn:
            return [_delivery(r) for r in conn.execute(query)]

    def finished_deliveries(self, dates: Sequence[str]) -> set[tuple[int, str]]:
        """(channel id, day) of every finished delivery of these days: never due again."""
        query = select(deliveries.c.channel_id, deliveries.c.date).where(
            deliveries.c.date.in_(list(dates)), deliveries.c.status.in_(DONE_STATUSES)
        )
        with self.engine.connect() as conn:
            return {(int(c), str(d)) for c, d in conn.execute(query)}

    # -- deliveries: the exactly-once claims

    def get_delivery(self, delivery_id: int) -> DeliveryRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
        if row is None:
            raise NotFound(f"no delivery {delivery_id}")
        return _delivery(row)

    def list_deliveries(
        self,
        *,
        user_id: int | None = None,
        date: str | None = None,
        statuses: Sequence[str] | None = None,
        channel_id: int | None = None,
        limit: int = 100,
    ) -> list[DeliveryRecord]:
        """Delivery history, newest first: what the user and the admin see."""
        query = select(deliveries).order_by(deliveries.c.date.desc(), deliveries.c.id.desc())
        if user_id is not None:
            query = query.where(deliveries.c.user_id == user_id)
        if channel_id is not None:
            query = query.where(deliveries.c.channel_id == channel_id)
        if date is not None:
            query = query.where(deliveries.c.date == date)
        if statuses:
            query = query.where(deliveries.c.status.in_(list(statuses)))
        with self.engine.connect() as conn:
            return [_delivery(r) for r in conn.execute(query.limit(limit))]

    def count_deliveries(self, *, date: str | None = None) -> dict[str, int]:
        query = select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
        if date is not None:
            query = query.where(deliveries.c.date == date)
        with self.engine.connect() as conn:
            return {status: int(n) for status, n in conn.execute(query)}

    def claim_delivery(
        self,
        *,
        user_id: int,
        channel_id: int,
        kind: str,
        date: str,
        edition_id: int | None,
        worker: str,
        now: datetime,
        lease_until: datetime,
    ) -> DeliveryRecord | None:
        """Take the (channel, date) delivery for ``worker``, or None when another worker holds
        it or it is finished. A new one is inserted; a ``retry`` whose time has come, or a
        ``claimed`` one whose holder's lease ran out (it sent nothing), is taken over."""
        values = {
            "user_id": user_id,
            "channel_id": channel_id,
            "kind": kind,
            "date": date,
            "edition_id": edition_id,
            "status": "claimed",
            "attempts": 0,
            "worker": worker,
            "lease_until": lease_until,
            "created_at": now,
            "updated_at": now,
        }
        maker = pg_insert if self.dialect == "postgresql" else sqlite_insert
        with self.transaction() as conn:
            inserted = conn.execute(
                maker(deliveries)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["channel_id", "date"])
                .returning(deliveries.c.id)
            ).first()
            if inserted is None:
                taken = conn.execute(
                    update(deliveries)
                    .where(
                        deliveries.c.channel_id == channel_id,
                        deliveries.c.date == date,
                        or_(
                            and_(
                                deliveries.c.status == "retry", deliveries.c.next_attempt_at <= now
                            ),
                            and_(deliveries.c.status == "claimed", deliveries.c.lease_until < now),
                        ),
                    )
                    .values(
                        status="claimed",
                        worker=worker,
                        lease_until=lease_until,
                        edition_id=edition_id,
                        updated_at=now,
                    )
                    .returning(deliveries.c.id)
                ).first()
                if taken is None:
                    return None
        row = inserted if inserted is not None else taken
        assert row is not None
        return self.get_delivery(int(row[0]))

    def begin_sending(
        self, delivery_id: int, *, worker: str, now: datetime, lease_until: datetime
    ) -> bool:
        """Record the attempt before the message leaves; False when the claim was lost."""
        with self.transaction() as conn:
            done = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == delivery_id,
                    deliveries.c.worker == worker,
                    deliveries.c.status == "claimed",
                )
                .values(
                    status="sending",
                    attempts=deliveries.c.attempts + 1,
                    lease_until=lease_until,
                    updated_at=now,
                )
            )
        return done.rowcount == 1

    def finish_delivery(
        self,
        delivery_id: int,
        *,
        worker: str,
        now: datetime,
        status: str,
        error: str | None = None,
        detail: str | None = None,
        next_attempt_at: datetime | None = None,
        count_attempt: bool = False,
    ) -> bool:
        """Record how the claim ended: sent, retry (at ``next_attempt_at``), failed, unknown or
        skipped. ``count_attempt`` counts an attempt that failed before anything was sent."""
        if status not in ("sent", "retry", "failed", "unknown", "skipped"):
            raise ValueError(f"not a final delivery status: {status!r}")
        values: dict[str, Any] = {
            "status": status,
            "error": error,
            "updated_at": now,
            "lease_until": None,
            "next_attempt_at": next_attempt_at,
        }
        if detail is not None:
            values["detail"] = detail
        if status == "sent":
            values["sent_at"] = now
        if count_attempt:
            values["attempts"] = deliveries.c.attempts + 1
        with self.transaction() as conn:
            done = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == delivery_id,
                    deliveries.c.worker == worker,
                    deliveries.c.status.in_(("claimed", "sending")),
                )
                .values(**values)
            )
        return done.rowcount == 1

    def settle_abandoned(self, delivery_id: int, *, now: datetime) -> bool:
        """A send whose worker stopped mid-way (lease over): perhaps sent, so never resent."""
        with self.transaction() as conn:
            done = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == delivery_id,
                    deliveries.c.status == "sending",
                    deliveries.c.lease_until < now,
                )
                .values(
                    status="unknown",
                    lease_until=None,
                    updated_at=now,
                    error="the worker stopped while sending: perhaps delivered, so not sent "
                    "again (Aube never sends an edition twice)",
                )
            )
        return done.rowcount == 1

    def expire_delivery(self, delivery_id: int, *, now: datetime, reason: str) -> bool:
        """Give up a delivery still waiting for a retry (or an abandoned claim) of a past day."""
        with self.transaction() as conn:
            done = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == delivery_id,
                    or_(
                        deliveries.c.status == "retry",
                        and_(deliveries.c.status == "claimed", deliveries.c.lease_until < now),
                    ),
                )
                .values(
                    status="failed",
                    lease_until=None,
                    next_attempt_at=None,
                    updated_at=now,
                    error=reason,
                )
            )
        return done.rowcount == 1

    def resend_delivery(self, delivery_id: int, *, now: datetime) -> DeliveryRecord:
        """A person decided: send a failed or perhaps-sent delivery again (next worker tick)."""
        with self.transaction() as conn:
            done = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == delivery_id,
                    deliveries.c.status.in_(("failed", "unknown")),
                )
                .values(status="retry", next_attempt_at=now, updated_at=now)
            )
        if done.rowcount == 0:
            current = self.get_delivery(delivery_id)
            raise InvalidInput(
                f"delivery {delivery_id} is {current.status}; only a failed or "
                "perhaps-sent delivery can be sent again"
            )
        return self.get_delivery(delivery_id)

    # -- locks: jobs one worker at a time runs (the shared pipeline, edition batches)

    def acquire_lock(self, name: str, *, holder: str, now: datetime, until: datetime) -> bool:
        maker = pg_insert if self.dialect == "postgresql" else sqlite_insert
        with self.transaction() as conn:
            got = conn.execute(
                maker(worker_locks)
                .values(name=name, holder=holder, until=until)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(worker_locks.c.name)
            ).first()
            if got is not None:
                return True
            done = conn.execute(
                update(worker_locks)
                .where(
                    worker_locks.c.name == name,
                    or_(worker_locks.c.until < now, worker_locks.c.holder == holder),
                )
                .values(holder=holder, until=until)
            )
        return done.rowcount == 1

    def release_lock(self, name: str, *, holder: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                delete(worker_locks).where(
                    worker_locks.c.name == name, worker_locks.c.holder == holder
                )
            )
