"""What every per-entity mixin of the store shares."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from aube.store.db import WRITE

T = TypeVar("T")

# SQLite allows 32,766 bound parameters per statement; PostgreSQL 65,535. Stay well below.
CHUNK = 900


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class StoreBase:
    engine: Engine

    @contextmanager
    def transaction(self, conn: Connection | None = None) -> Iterator[Connection]:
        """A transaction, or the caller's own when ``conn`` is given (so stages can group writes)."""
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as own:
            own.execution_options(**{WRITE: True})  # BEGIN IMMEDIATE on SQLite
            with own.begin():
                yield own

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
