"""Worker locks: jobs one worker at a time runs (the shared pipeline, edition batches), held
until a time so that a dead holder's lock runs out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from aube.store.base import Repo
from aube.store.schema import worker_locks


class LocksRepo(Repo):
    def acquire(self, name: str, *, holder: str, now: datetime, until: datetime) -> bool:
        maker = pg_insert if self.dialect == "postgresql" else sqlite_insert
        conn = self.conn
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

    def release(self, name: str, *, holder: str) -> None:
        conn = self.conn
        conn.execute(
            delete(worker_locks).where(worker_locks.c.name == name, worker_locks.c.holder == holder)
        )
