"""Runs: what ran, when, with what counts and errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from aube.errors import NotFound
from aube.store.base import StoreBase, row_dict
from aube.store.schema import runs
from aube.types import Run


def _run(row: object) -> Run:
    data = row_dict(row)
    data.pop("seconds", None)
    return Run(**data)


class RunsMixin(StoreBase):
    def start_run(self, job: str, *, now: datetime, params: dict[str, Any] | None = None) -> int:
        with self.transaction() as conn:
            return int(
                conn.execute(
                    insert(runs).values(
                        job=job,
                        started_at=now,
                        status="running",
                        counts={},
                        params={k: str(v) for k, v in (params or {}).items()},
                    )
                ).inserted_primary_key[0]
            )

    def finish_run(
        self,
        run_id: int,
        *,
        now: datetime,
        status: str,
        counts: dict[str, int | float],
        error: str | None = None,
        seconds: float | None = None,
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(finished_at=now, status=status, counts=counts, error=error, seconds=seconds)
            )

    def list_runs(self, *, job: str | None = None, limit: int = 20) -> list[Run]:
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if job:
            query = query.where(runs.c.job == job)
        with self.engine.connect() as conn:
            return [_run(r) for r in conn.execute(query)]

    def get_run(self, run_id: int) -> Run:
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"no run {run_id}")
        return _run(row)
