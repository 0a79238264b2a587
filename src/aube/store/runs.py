"""Runs: what ran, when, with what counts and errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from aube.errors import NotFound
from aube.store.base import Repo, row_dict
from aube.store.schema import runs
from aube.types import Run


def _run(row: object) -> Run:
    data = row_dict(row)
    data.pop("seconds", None)
    return Run(**data)


class RunsRepo(Repo):
    def start(self, job: str, *, now: datetime, params: dict[str, Any] | None = None) -> int:
        return int(
            self.conn.execute(
                insert(runs).values(
                    job=job,
                    started_at=now,
                    status="running",
                    counts={},
                    params={k: str(v) for k, v in (params or {}).items()},
                )
            ).inserted_primary_key[0]
        )

    def finish(
        self,
        run_id: int,
        *,
        now: datetime,
        status: str,
        counts: dict[str, int | float],
        error: str | None = None,
        seconds: float | None = None,
    ) -> None:
        self.conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(finished_at=now, status=status, counts=counts, error=error, seconds=seconds)
        )

    def recent(self, *, job: str | None = None, limit: int = 20) -> list[Run]:
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if job:
            query = query.where(runs.c.job == job)
        return [_run(r) for r in self.conn.execute(query)]

    def get(self, run_id: int) -> Run:
        row = self.conn.execute(select(runs).where(runs.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"no run {run_id}")
        return _run(row)

    def last_of(self, jobs: Sequence[str]) -> dict[str, tuple[datetime, datetime | None]]:
        """For each job, (started_at, finished_at) of its latest run."""
        found: dict[str, tuple[datetime, datetime | None]] = {}
        for job in jobs:
            row = self.conn.execute(
                select(runs.c.started_at, runs.c.finished_at)
                .where(runs.c.job == job)
                .order_by(runs.c.started_at.desc(), runs.c.id.desc())
                .limit(1)
            ).first()
            if row is not None:
                found[job] = (row.started_at, row.finished_at)
        return found
