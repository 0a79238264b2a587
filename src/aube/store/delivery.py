"""Deliveries: the claims that make sending exactly-once.

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

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from aube.errors import InvalidInput, NotFound
from aube.store.base import Repo, row_dict
from aube.store.channels import ChannelRecord  # noqa: F401  (transitional: imported from here)
from aube.store.schema import deliveries

OPEN_STATUSES = ("claimed", "sending", "retry")  # not finished yet
DONE_STATUSES = ("sent", "failed", "unknown", "skipped")


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


def _delivery(row: Any) -> DeliveryRecord:
    return DeliveryRecord(**row_dict(row))


class DeliveriesRepo(Repo):
    def unfinished(self) -> list[DeliveryRecord]:
        """Every unfinished delivery (claimed, sending, retry), of any day."""
        query = select(deliveries).where(deliveries.c.status.in_(OPEN_STATUSES))
        conn = self.conn
        return [_delivery(r) for r in conn.execute(query)]

    def finished(self, dates: Sequence[str]) -> set[tuple[int, str]]:
        """(channel id, day) of every finished delivery of these days: never due again."""
        query = select(deliveries.c.channel_id, deliveries.c.date).where(
            deliveries.c.date.in_(list(dates)), deliveries.c.status.in_(DONE_STATUSES)
        )
        conn = self.conn
        return {(int(c), str(d)) for c, d in conn.execute(query)}

    def get(self, delivery_id: int) -> DeliveryRecord:
        conn = self.conn
        row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
        if row is None:
            raise NotFound(f"no delivery {delivery_id}")
        return _delivery(row)

    def history(
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
        conn = self.conn
        return [_delivery(r) for r in conn.execute(query.limit(limit))]

    def count_by_status(self, *, date: str | None = None) -> dict[str, int]:
        query = select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
        if date is not None:
            query = query.where(deliveries.c.date == date)
        conn = self.conn
        return {status: int(n) for status, n in conn.execute(query)}

    def claim(
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
        conn = self.conn
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
                        and_(deliveries.c.status == "retry", deliveries.c.next_attempt_at <= now),
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
        return self.get(int(row[0]))

    def begin_sending(
        self, delivery_id: int, *, worker: str, now: datetime, lease_until: datetime
    ) -> bool:
        """Record the attempt before the message leaves; False when the claim was lost."""
        conn = self.conn
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

    def finish(
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
        conn = self.conn
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
        conn = self.conn
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

    def expire(self, delivery_id: int, *, now: datetime, reason: str) -> bool:
        """Give up a delivery still waiting for a retry (or an abandoned claim) of a past day."""
        conn = self.conn
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

    def resend(self, delivery_id: int, *, now: datetime) -> DeliveryRecord:
        """A person decided: send a failed or perhaps-sent delivery again (next worker tick)."""
        conn = self.conn
        done = conn.execute(
            update(deliveries)
            .where(
                deliveries.c.id == delivery_id,
                deliveries.c.status.in_(("failed", "unknown")),
            )
            .values(status="retry", next_attempt_at=now, updated_at=now)
        )
        if done.rowcount == 0:
            current = self.get(delivery_id)
            raise InvalidInput(
                f"delivery {delivery_id} is {current.status}; only a failed or "
                "perhaps-sent delivery can be sent again"
            )
        return self.get(delivery_id)
