"""What the nights of this installation measured: how long the runs of a job took and what
they counted, how many items came in and how many stories were seen (for ``aube
capacity``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from aube.store.base import Repo
from aube.store.schema import items, runs, stories


class NightStatsRepo(Repo):
    def finished_runs(
        self, job: str, *, since: datetime, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The runs of ``job`` that ended well (ok or partial) and started in the period,
        oldest first: started_at, seconds, counts."""
        c = runs.c
        query = (
            select(c.started_at, c.seconds, c.counts)
            .where(
                c.job == job,
                c.status.in_(("ok", "partial")),
                c.started_at >= since,
                c.seconds.is_not(None),
            )
            .order_by(c.started_at)
        )
        if until is not None:
            query = query.where(c.started_at < until)
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def items_fetched(self, since: datetime, until: datetime) -> int:
        query = select(func.count()).where(items.c.fetched_at >= since, items.c.fetched_at < until)
        return int(self.conn.execute(query).scalar_one())

    def stories_seen(self, since: datetime, until: datetime) -> int:
        query = select(func.count()).where(
            stories.c.last_seen >= since, stories.c.first_seen < until
        )
        return int(self.conn.execute(query).scalar_one())
