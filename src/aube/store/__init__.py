"""The only package that writes SQL: repositories per entity behind a unit of work.

``Store`` opens units: ``store.write()`` (one write transaction; BEGIN IMMEDIATE on SQLite)
and ``store.read()`` (one read-only snapshot). A use case runs in one unit and calls the
repositories it needs (``uow.sources``, ``uow.interests``…, see ``aube.store.unit``). The
old one-method-one-transaction names (``store.add_source(...)``) still work through the
transitional ``aube.store.facade``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from aube.config import Settings
from aube.store.channels import ChannelRecord
from aube.store.db import READ, WRITE, make_engine, migrate
from aube.store.delivery import DeliveryRecord
from aube.store.editions import NewCard, NewEdition
from aube.store.facade import Facade
from aube.store.interests import InterestVectors, NewEvidence, NewInterest
from aube.store.items import InsertResult
from aube.store.ledger import LlmCall, Spent
from aube.store.stories import StoryState, members_hash
from aube.store.unit import Unit


class Store(Facade):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, settings: Settings, *, migrate_schema: bool = True) -> Store:
        """Open (and by default migrate) the database the settings point to."""
        engine = make_engine(settings.db_url)
        if migrate_schema:
            migrate(engine)
        return cls(engine)

    @contextmanager
    def write(self) -> Iterator[Unit]:
        """One write transaction (BEGIN IMMEDIATE on SQLite), committed once at the end; an
        exception rolls all of it back."""
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield Unit(conn, writable=True)

    @contextmanager
    def read(self) -> Iterator[Unit]:
        """One read-only transaction: a consistent snapshot, never the write lock."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READ: True})
            with conn.begin():
                yield Unit(conn, writable=False)

    @contextmanager
    def transaction(self, conn: Connection | None = None) -> Iterator[Connection]:
        """TRANSITIONAL (see ``aube.store.facade``): a write transaction's connection, or the
        caller's own when ``conn`` is given. New code uses ``write()``."""
        if conn is not None:
            yield conn
            return
        with self.write() as uow:
            yield uow.conn

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


__all__ = [
    "ChannelRecord",
    "DeliveryRecord",
    "InsertResult",
    "InterestVectors",
    "LlmCall",
    "NewCard",
    "NewEdition",
    "NewEvidence",
    "NewInterest",
    "Spent",
    "Store",
    "StoryState",
    "Unit",
    "members_hash",
]
