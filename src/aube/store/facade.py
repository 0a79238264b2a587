"""TRANSITIONAL — the old ``Store`` methods, kept so branches written against them merge
easily; removed once every branch has landed (issue 16).

Each old method is one line naming the repository method it became; called, it opens a unit
of its own (a write unit for a write, a read-only unit for a read) and runs that method in
it, which is what each method did before the repositories. New code does not call these: it
opens one unit per use case (``with store.write() as uow: uow.items.insert(...)``).

The four old methods that took ``conn=`` (to join a caller's transaction from
``Store.transaction()``) still do: any delegate given ``conn=`` runs on that connection.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy import Connection

from aube.store.accounts import ApiTokensRepo, InvitesRepo, SessionsRepo
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
from aube.store.locks import LocksRepo
from aube.store.login_failures import LoginFailuresRepo
from aube.store.runs import RunsRepo
from aube.store.site_settings import SiteSettingsRepo
from aube.store.sources import SourcesRepo
from aube.store.stories import StoriesRepo
from aube.store.subscriptions import SubscriptionsRepo
from aube.store.summaries import SummariesRepo
from aube.store.unit import Unit
from aube.store.users import UsersRepo

P = ParamSpec("P")
T = TypeVar("T")


class _Delegate(Generic[P, T]):
    def __init__(self, repo: str, method: Callable[Concatenate[Any, P], T], *, write: bool):
        owner = getattr(Unit, repo).cls  # fails at import for a repository the unit lacks
        if getattr(owner, method.__name__, None) is not method:
            raise TypeError(f"{method.__qualname__} is not a method of uow.{repo}")
        self.repo, self.method, self.write = repo, method, write

    def __get__(self, store: Any, owner: type) -> Callable[P, T]:
        if store is None:  # looked up on the class (help(), monkeypatch): the delegate itself
            return self  # type: ignore[return-value]
        repo, method = self.repo, self.method
        unit: Callable[[], AbstractContextManager[Unit]] = store.write if self.write else store.read

        def delegate(*args: P.args, **kwargs: P.kwargs) -> T:
            conn: Connection | None = kwargs.pop("conn", None)  # type: ignore[assignment]
            if conn is not None:
                return method(getattr(Unit(conn, writable=True), repo), *args, **kwargs)
            with unit() as uow:
                return method(getattr(uow, repo), *args, **kwargs)

        delegate.__doc__ = method.__doc__
        return delegate


def reads(repo: str, method: Callable[Concatenate[Any, P], T]) -> _Delegate[P, T]:
    return _Delegate(repo, method, write=False)


def writes(repo: str, method: Callable[Concatenate[Any, P], T]) -> _Delegate[P, T]:
    return _Delegate(repo, method, write=True)


class Facade:
    """The old method names (transitional; see the module docstring)."""

    write: Callable[[], AbstractContextManager[Unit]]
    read: Callable[[], AbstractContextManager[Unit]]
    transaction: Callable[..., AbstractContextManager[Connection]]

    # sources and subscriptions
    add_source = writes("sources", SourcesRepo.add)
    get_source = reads("sources", SourcesRepo.get)
    list_sources = reads("sources", SourcesRepo.all)
    source_item_counts = reads("sources", SourcesRepo.item_counts)
    update_source = writes("sources", SourcesRepo.update)
    remove_source = writes("sources", SourcesRepo.remove)
    record_fetch = writes("sources", SourcesRepo.record_fetch)
    subscribe = writes("subscriptions", SubscriptionsRepo.subscribe)
    unsubscribe = writes("subscriptions", SubscriptionsRepo.unsubscribe)
    user_source_ids = reads("subscriptions", SubscriptionsRepo.source_ids)
    subscription_map = reads("subscriptions", SubscriptionsRepo.by_user)

    # items and embeddings
    insert_items = writes("items", ItemsRepo.insert)
    known_guids = reads("items", ItemsRepo.known_guids)
    get_items = reads("items", ItemsRepo.get_many)
    unclustered_item_ids = reads("items", ItemsRepo.unclustered_ids)
    count_items = reads("items", ItemsRepo.count)
    items_of_source = reads("items", ItemsRepo.of_source)
    get_embeddings = reads("embeddings", EmbeddingsRepo.get_many)
    put_embeddings = writes("embeddings", EmbeddingsRepo.put)

    # stories and summaries
    open_story_states = reads("stories", StoriesRepo.open_states)
    apply_clustering = writes("stories", StoriesRepo.apply_clustering)
    list_stories = reads("stories", StoriesRepo.top)
    get_story = reads("stories", StoriesRepo.get)
    get_stories = reads("stories", StoriesRepo.get_many)
    story_members = reads("stories", StoriesRepo.members)
    new_in_story_since = reads("stories", StoriesRepo.new_since)
    count_stories = reads("stories", StoriesRepo.count)
    story_hashes = reads("stories", StoriesRepo.hashes)
    ranking_candidates = reads("stories", StoriesRepo.candidates)
    story_model = reads("stories", StoriesRepo.model_of)
    recent_story_ids = reads("stories", StoriesRepo.recent_ids)
    story_member_map = reads("stories", StoriesRepo.member_map)
    get_summary = reads("summaries", SummariesRepo.get)
    put_summary = writes("summaries", SummariesRepo.put)

    # runs
    start_run = writes("runs", RunsRepo.start)
    finish_run = writes("runs", RunsRepo.finish)
    list_runs = reads("runs", RunsRepo.recent)
    get_run = reads("runs", RunsRepo.get)
    last_runs = reads("runs", RunsRepo.last_of)

    # users
    add_user = writes("users", UsersRepo.add)
    get_user = reads("users", UsersRepo.get)
    find_user_by_email = reads("users", UsersRepo.by_email)
    find_user_by_handle = reads("users", UsersRepo.by_handle)
    password_hash = reads("users", UsersRepo.password_hash)
    list_users = reads("users", UsersRepo.all)
    count_users = reads("users", UsersRepo.count)
    count_admins = reads("users", UsersRepo.count_admins)
    update_user = writes("users", UsersRepo.update)
    delete_user = writes("users", UsersRepo.delete)

    # profile: interests, imports, curate requests
    add_interest = writes("interests", InterestsRepo.add)
    add_interests = writes("interests", InterestsRepo.add_many)
    add_evidence = writes("interests", InterestsRepo.add_evidence)
    list_interests = reads("interests", InterestsRepo.of_user)
    get_interest = reads("interests", InterestsRepo.get)
    interest_vector = reads("interests", InterestsRepo.vector)
    edit_interest = writes("interests", InterestsRepo.edit)
    learn_interest = writes("interests", InterestsRepo.learn)
    delete_interest = writes("interests", InterestsRepo.delete)
    interest_vectors = reads("interests", InterestsRepo.vectors)
    interest_details = reads("interests", InterestsRepo.details)
    find_import = reads("imports", ImportsRepo.find)
    list_imports = reads("imports", ImportsRepo.of_user)
    save_import = writes("imports", ImportsRepo.save)
    delete_import = writes("imports", ImportsRepo.delete)
    add_request = writes("requests", RequestsRepo.add)
    list_requests = reads("requests", RequestsRepo.of_user)
    remove_request = writes("requests", RequestsRepo.remove)

    # editions, cards, feedback
    save_editions = writes("editions", EditionsRepo.save)
    get_edition = reads("editions", EditionsRepo.get)
    edition_dates = reads("editions", EditionsRepo.dates)
    editions_exist = reads("editions", EditionsRepo.existing)
    edition_keys = reads("editions", EditionsRepo.keys)
    get_card = reads("cards", CardsRepo.get)
    card_vector = reads("cards", CardsRepo.vector)
    set_card = writes("cards", CardsRepo.set_flags)
    saved_cards = reads("cards", CardsRepo.saved)
    cards_for_story = reads("cards", CardsRepo.for_story)
    shown = reads("cards", CardsRepo.shown)
    edition_cards = reads("cards", CardsRepo.of_editions)
    written_lines = reads("cards", CardsRepo.written_lines)
    set_personal_lines = writes("cards", CardsRepo.set_personal_lines)
    record_feedback = writes("feedback", FeedbackRepo.record)
    feedback_log = reads("feedback", FeedbackRepo.log)

    # the LLM cost ledger
    record_llm_calls = writes("ledger", LedgerRepo.record)
    llm_spent = reads("ledger", LedgerRepo.spent)
    llm_spent_by_user = reads("ledger", LedgerRepo.spent_by_user)
    llm_days = reads("ledger", LedgerRepo.days)
    llm_usage = reads("ledger", LedgerRepo.usage)

    # accounts: sessions, API tokens, invites, log-in failures, site settings
    add_session = writes("sessions", SessionsRepo.add)
    session_user = reads("sessions", SessionsRepo.user_of)
    renew_session = writes("sessions", SessionsRepo.renew)
    delete_session = writes("sessions", SessionsRepo.delete)
    delete_sessions = writes("sessions", SessionsRepo.delete_of_user)
    count_sessions = reads("sessions", SessionsRepo.count)
    prune_sessions = writes("sessions", SessionsRepo.prune)
    add_api_token = writes("api_tokens", ApiTokensRepo.add)
    list_api_tokens = reads("api_tokens", ApiTokensRepo.of_user)
    token_user = reads("api_tokens", ApiTokensRepo.user_of)
    touch_api_token = writes("api_tokens", ApiTokensRepo.touch)
    delete_api_token = writes("api_tokens", ApiTokensRepo.delete)
    add_invite = writes("invites", InvitesRepo.add)
    list_invites = reads("invites", InvitesRepo.all)
    find_invite = reads("invites", InvitesRepo.find)
    claim_invite = writes("invites", InvitesRepo.claim)
    finish_invite = writes("invites", InvitesRepo.finish)
    delete_invite = writes("invites", InvitesRepo.delete)
    add_login_failure = writes("login_failures", LoginFailuresRepo.add)
    login_failure_counts = reads("login_failures", LoginFailuresRepo.counts)
    clear_login_failures = writes("login_failures", LoginFailuresRepo.clear)
    prune_login_failures = writes("login_failures", LoginFailuresRepo.prune)
    site_setting = reads("site_settings", SiteSettingsRepo.get)
    set_site_setting = writes("site_settings", SiteSettingsRepo.set)

    # delivery: channels, deliveries, worker locks
    add_channel = writes("channels", ChannelsRepo.add)
    get_channel = reads("channels", ChannelsRepo.get)
    find_channel = reads("channels", ChannelsRepo.find)
    list_channels = reads("channels", ChannelsRepo.of_user)
    enabled_channels = reads("channels", ChannelsRepo.enabled)
    update_channel = writes("channels", ChannelsRepo.update)
    remove_channel = writes("channels", ChannelsRepo.remove)
    channel_by_secret_hash = reads("channels", ChannelsRepo.by_secret_hash)
    channel_by_unsubscribe_token = reads("channels", ChannelsRepo.by_unsubscribe_token)
    open_deliveries = reads("deliveries", DeliveriesRepo.unfinished)
    finished_deliveries = reads("deliveries", DeliveriesRepo.finished)
    get_delivery = reads("deliveries", DeliveriesRepo.get)
    list_deliveries = reads("deliveries", DeliveriesRepo.history)
    count_deliveries = reads("deliveries", DeliveriesRepo.count_by_status)
    claim_delivery = writes("deliveries", DeliveriesRepo.claim)
    begin_sending = writes("deliveries", DeliveriesRepo.begin_sending)
    finish_delivery = writes("deliveries", DeliveriesRepo.finish)
    settle_abandoned = writes("deliveries", DeliveriesRepo.settle_abandoned)
    expire_delivery = writes("deliveries", DeliveriesRepo.expire)
    resend_delivery = writes("deliveries", DeliveriesRepo.resend)
    acquire_lock = writes("locks", LocksRepo.acquire)
    release_lock = writes("locks", LocksRepo.release)


__all__ = ["Facade", "reads", "writes"]
