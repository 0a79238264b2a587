"""The unit of work: one transaction, and the repositories that act inside it.

A use case (a thumbs-down and what it teaches, an import, removing a connector) opens one
unit, calls the repositories it needs and commits once::

    with store.write() as uow:          # BEGIN IMMEDIATE on SQLite: the write lock up front
        uow.feedback.record(...)
        uow.interests.learn(...)
                                        # commit here; any exception rolls everything back
    with store.read() as uow:           # one consistent snapshot, no write lock; read-only
        uow.stories.get(...)

A repository owns the SQL of one entity. It takes the unit's connection and never begins,
commits or rolls back: the unit does that, once. A new repository is one line below.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

from sqlalchemy import Connection

from aube.store.accounts import ApiTokensRepo, InvitesRepo, SessionsRepo
from aube.store.base import Repo
from aube.store.cards import CardsRepo
from aube.store.channels import ChannelsRepo
from aube.store.curate import RequestsRepo
from aube.store.delivery import DeliveriesRepo
from aube.store.editions import EditionsRepo
from aube.store.embeddings import EmbeddingsRepo
from aube.store.feedback import FeedbackRepo
from aube.store.imports import ImportsRepo
from aube.store.interests import InterestsRepo
from aube.store.items import ItemsRepo
from aube.store.ledger import LedgerRepo
from aube.store.llm_replicas import LlmReplicaRepo
from aube.store.locks import LocksRepo
from aube.store.login_failures import LoginFailuresRepo
from aube.store.night_stats import NightStatsRepo
from aube.store.runs import RunsRepo
from aube.store.site_settings import SiteSettingsRepo
from aube.store.sources import SourcesRepo
from aube.store.stories import StoriesRepo
from aube.store.subscriptions import SubscriptionsRepo
from aube.store.summaries import SummariesRepo
from aube.store.users import UsersRepo

R = TypeVar("R", bound=Repo)


class repository(Generic[R]):
    """A unit's repository, built on first use on the unit's connection, then kept."""

    def __init__(self, cls: type[R]) -> None:
        self.cls = cls
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, unit: None, owner: type) -> repository[R]: ...
    @overload
    def __get__(self, unit: Unit, owner: type) -> R: ...
    def __get__(self, unit: Unit | None, owner: type) -> Any:
        if unit is None:
            return self
        repo = self.cls(unit.conn)
        unit.__dict__[self.name] = repo  # later reads find it without this descriptor
        return repo


class Unit:
    """The repositories of one transaction."""

    sources = repository(SourcesRepo)
    subscriptions = repository(SubscriptionsRepo)
    items = repository(ItemsRepo)
    embeddings = repository(EmbeddingsRepo)
    stories = repository(StoriesRepo)
    summaries = repository(SummariesRepo)
    runs = repository(RunsRepo)
    users = repository(UsersRepo)
    interests = repository(InterestsRepo)
    imports = repository(ImportsRepo)
    requests = repository(RequestsRepo)
    editions = repository(EditionsRepo)
    cards = repository(CardsRepo)
    feedback = repository(FeedbackRepo)
    ledger = repository(LedgerRepo)
    sessions = repository(SessionsRepo)
    api_tokens = repository(ApiTokensRepo)
    invites = repository(InvitesRepo)
    login_failures = repository(LoginFailuresRepo)
    site_settings = repository(SiteSettingsRepo)
    channels = repository(ChannelsRepo)
    deliveries = repository(DeliveriesRepo)
    locks = repository(LocksRepo)
    llm_replicas = repository(LlmReplicaRepo)
    night_stats = repository(NightStatsRepo)

    def __init__(self, conn: Connection, *, writable: bool) -> None:
        self.conn = conn
        self.writable = writable

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name
