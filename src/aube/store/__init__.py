"""The only package that writes SQL. ``Store`` is one object made of per-entity mixins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from aube.config import Settings
from aube.store.accounts import AccountsMixin
from aube.store.db import WRITE, make_engine, migrate
from aube.store.delivery import ChannelRecord, DeliveryMixin, DeliveryRecord
from aube.store.editions import EditionsMixin, NewCard, NewEdition
from aube.store.embeddings import EmbeddingsMixin
from aube.store.items import InsertResult, ItemsMixin
from aube.store.ledger import LedgerMixin, LlmCall, Spent
from aube.store.profile import InterestVectors, NewEvidence, NewInterest, ProfileMixin
from aube.store.runs import RunsMixin
from aube.store.sources import SourcesMixin
from aube.store.stories import StoriesMixin, StoryState, members_hash
from aube.store.unit import Unit
from aube.store.users import UsersMixin


class Store(
    SourcesMixin,
    ItemsMixin,
    EmbeddingsMixin,
    StoriesMixin,
    RunsMixin,
    UsersMixin,
    ProfileMixin,
    EditionsMixin,
    LedgerMixin,
    AccountsMixin,
    DeliveryMixin,
):
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
        """One write transaction (BEGIN IMMEDIATE on SQLite), committed once at the end."""
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield Unit(conn, writable=True)

    @contextmanager
    def read(self) -> Iterator[Unit]:
        """One read transaction: a consistent snapshot, never the write lock."""
        with self.engine.connect() as conn, conn.begin():
            yield Unit(conn, writable=False)

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
