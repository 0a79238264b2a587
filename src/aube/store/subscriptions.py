"""Subscriptions: which reader follows which source."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select

from aube.store.base import Repo
from aube.store.schema import sources, subscriptions, users


class SubscriptionsRepo(Repo):
    def subscribe(self, user_id: int, source_id: int, *, now: datetime) -> None:
        present = self.conn.execute(
            select(subscriptions.c.user_id).where(
                subscriptions.c.user_id == user_id, subscriptions.c.source_id == source_id
            )
        ).first()
        if present is None:
            self.conn.execute(
                insert(subscriptions).values(user_id=user_id, source_id=source_id, added_at=now)
            )

    def unsubscribe(self, user_id: int, source_id: int) -> None:
        self.conn.execute(
            delete(subscriptions).where(
                subscriptions.c.user_id == user_id, subscriptions.c.source_id == source_id
            )
        )

    def subscribe_everyone(self, source_id: int, *, now: datetime) -> None:
        """Every reader follows a default source."""
        have = set(
            self.conn.execute(
                select(subscriptions.c.user_id).where(subscriptions.c.source_id == source_id)
            ).scalars()
        )
        rows = [
            {"user_id": u, "source_id": source_id, "added_at": now}
            for u in self.conn.execute(select(users.c.id)).scalars()
            if u not in have
        ]
        if rows:
            self.conn.execute(insert(subscriptions), rows)

    def subscribe_to_defaults(self, user_id: int, *, now: datetime) -> None:
        """A new reader follows every default source."""
        defaults = (
            self.conn.execute(select(sources.c.id).where(sources.c.is_default.is_(True)))
            .scalars()
            .all()
        )
        if defaults:
            self.conn.execute(
                insert(subscriptions),
                [{"user_id": user_id, "source_id": s, "added_at": now} for s in defaults],
            )

    def source_ids(self, user_id: int) -> set[int]:
        return set(
            self.conn.execute(
                select(subscriptions.c.source_id).where(subscriptions.c.user_id == user_id)
            ).scalars()
        )

    def by_user(self, user_ids: Sequence[int] | None = None) -> dict[int, frozenset[int]]:
        """Each user's followed sources, for the batch edition build."""
        query = select(subscriptions.c.user_id, subscriptions.c.source_id)
        if user_ids is not None:
            query = query.where(subscriptions.c.user_id.in_(list(user_ids)))
        found: dict[int, set[int]] = {}
        for uid, sid in self.conn.execute(query):
            found.setdefault(uid, set()).add(sid)
        return {u: frozenset(s) for u, s in found.items()}
