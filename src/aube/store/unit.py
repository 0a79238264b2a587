"""The unit of work: one transaction, and the repositories that act inside it.

A use case (a thumbs-down and what it teaches, an import, removing a connector) opens one
unit, calls the repositories it needs and commits once::

    with store.write() as uow:          # BEGIN IMMEDIATE on SQLite: the write lock up front
        uow.feedback.record(...)
        uow.profile.adjust(...)
                                        # commit here; any exception rolls everything back
    with store.read() as uow:           # one consistent snapshot, no write lock
        uow.stories.get(...)

A repository owns the SQL of one entity. It takes the unit's connection and never begins,
commits or rolls back: the unit does that, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

if TYPE_CHECKING:
    from aube.store.llm_replicas import LlmReplicaRepo
    from aube.store.night_stats import NightStatsRepo


class Unit:
    """The repositories of one transaction. Each is built on first use."""

    def __init__(self, conn: Connection, *, writable: bool) -> None:
        self.conn = conn
        self.writable = writable

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    @property
    def llm_replicas(self) -> LlmReplicaRepo:
        from aube.store.llm_replicas import LlmReplicaRepo

        return LlmReplicaRepo(self.conn)

    @property
    def night_stats(self) -> NightStatsRepo:
        from aube.store.night_stats import NightStatsRepo

        return NightStatsRepo(self.conn)
