"""The unit of work: one transaction per use case, committed once; on SQLite a write takes the
write lock before its first read, so a read-then-write cannot be overtaken."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError
from support import NOW

from aube.config import load_settings
from aube.errors import InvalidInput
from aube.store import Store
from aube.store.schema import runs
from aube.types import NewItem


def _count(store: Store) -> int:
    with store.read() as uow:
        return len(uow.conn.execute(select(runs.c.id)).all())


def test_a_unit_commits_once_and_an_error_rolls_all_of_it_back(any_store: Store) -> None:
    row = {"job": "t", "started_at": NOW, "status": "running", "counts": {}, "params": {}}
    with any_store.write() as uow:
        uow.conn.execute(insert(runs).values(**row))
        uow.conn.execute(insert(runs).values(**row))
    assert _count(any_store) == 2
    with pytest.raises(RuntimeError), any_store.write() as uow:
        uow.conn.execute(insert(runs).values(**row))
        raise RuntimeError("half a use case")
    assert _count(any_store) == 2


def test_sqlite_write_units_take_the_lock_before_reading(tmp_path: Path) -> None:
    store = Store.open(load_settings(data_dir=tmp_path / "data"))
    try:
        # Two writers read a counter then write it back +1. With a deferred BEGIN both read the
        # same value and one increment is lost (or one fails to upgrade its lock); with BEGIN
        # IMMEDIATE the second waits for the first and both increments land.
        row = {"job": "counter", "started_at": NOW, "status": "0", "counts": {}, "params": {}}
        with store.write() as uow:
            uow.conn.execute(insert(runs).values(**row))
        inside = threading.Barrier(2, timeout=5)
        first_read = threading.Event()

        def bump(wait_for_other: bool) -> None:
            if wait_for_other:
                first_read.wait(5)
            with store.write() as uow:
                value = int(uow.conn.execute(select(runs.c.status)).scalar_one())
                first_read.set()
                if not wait_for_other:
                    try:
                        inside.wait(0.5)  # the other writer tries to start meanwhile
                    except threading.BrokenBarrierError:
                        pass
                uow.conn.execute(runs.update().values(status=str(value + 1)))

        threads = [threading.Thread(target=bump, args=(w,)) for w in (False, True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        with store.read() as uow:
            assert uow.conn.execute(select(runs.c.status)).scalar_one() == "2"
    finally:
        store.close()


def test_a_read_unit_cannot_write_and_the_next_write_unit_can(any_store: Store) -> None:
    row = {"job": "t", "started_at": NOW, "status": "running", "counts": {}, "params": {}}
    for _ in range(2):  # the same pooled connection goes read → write → read → write
        with pytest.raises(DBAPIError), any_store.read() as uow:
            uow.conn.execute(insert(runs).values(**row))
        with any_store.write() as uow:
            uow.runs.start("t", now=NOW)
    assert _count(any_store) == 2
    with any_store.engine.begin() as conn:  # neither a read nor a write unit: unrestricted
        conn.execute(insert(runs).values(**row))
    assert _count(any_store) == 3


def test_a_refused_step_leaves_the_unit_usable(any_store: Store) -> None:
    """A name already taken fails that step only (in a savepoint): the use case can go on, and
    what it did before and after commits together."""
    with any_store.write() as uow:
        uow.users.add("ana", now=NOW)
        with pytest.raises(InvalidInput, match="taken"):
            uow.users.add("ana", now=NOW)
        uow.users.add("bob", now=NOW)
    assert [u.handle for u in any_store.list_users()] == ["ana", "bob"]


def test_the_transitional_methods_still_join_a_callers_transaction(any_store: Store) -> None:
    source, _ = any_store.add_source("https://example.com/feed", now=NOW)
    item = NewItem(
        source_id=source.id,
        guid="g1",
        url="https://example.com/a/1",
        title="Title",
        summary="Summary.",
        text="Text.",
        html="<p>Text.</p>",
        author=None,
        published_at=NOW,
        fetched_at=NOW,
        lang="en",
        content_hash="1" * 64,
    )
    with pytest.raises(RuntimeError), any_store.transaction() as conn:
        assert any_store.insert_items([item], conn=conn).inserted
        raise RuntimeError("the rest of the caller's work failed")
    assert any_store.count_items() == 0
    assert any_store.insert_items([item]).inserted and any_store.count_items() == 1
