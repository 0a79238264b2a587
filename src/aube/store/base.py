"""What every repository shares: the unit's connection, and chunked ``IN`` lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")

# SQLite allows 32,766 bound parameters per statement; PostgreSQL 65,535. Stay well below.
CHUNK = 900


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Repo:
    """The SQL of one entity, run on the connection of the unit of work it belongs to.

    A repository never begins, commits or rolls back: the unit does, once (``Store.write()``
    / ``Store.read()``). Where a step may fail on purpose (a unique name taken), it runs in a
    savepoint so the unit's transaction stays usable."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
