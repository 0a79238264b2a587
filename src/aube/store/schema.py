"""The tables, as SQLAlchemy Core objects used by queries.

The migrations under ``migrations/versions`` create them; a test checks that a freshly
migrated database matches these definitions, so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("site_url", Text),
    Column("full_text", String(8), nullable=False, default="auto"),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("added_at", UTCDateTime, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetched_at", UTCDateTime),
    Column("last_ok_at", UTCDateTime),
    Column("last_error", Text),
    Column("error_count", Integer, nullable=False, default=0),
    # Followed by every user who has not chosen otherwise (installation-wide feeds).
    Column("is_default", Boolean, nullable=False, default=True, server_default=true()),
    UniqueConstraint("url"),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("url", Text),  # canonical; NULL when the entry had no link
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("html", Text, nullable=False, default=""),
    Column("author", Text),
    Column("published_at", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("lang", String(16)),
    Column("content_hash", String(64), nullable=False),
    Column("full_text_extracted", Boolean, nullable=False, default=False),
    UniqueConstraint("source_id", "guid"),
    Index("ix_items_url", "url", unique=True),
    Index("ix_items_content_hash", "content_hash"),
    Index("ix_items_published_at", "published_at"),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("model", String(100), primary_key=True),
    Column("vector", LargeBinary, nullable=False),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("item_count", Integer, nullable=False, default=0),
    Column("publisher_count", Integer, nullable=False, default=0),
    Column("model", String(100), nullable=False),
    Column("centroid", LargeBinary, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("summary_key", String(64)),
    Index("ix_stories_last_seen", "last_seen"),
)

story_items = Table(
    "story_items",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_story_items_story_id", "story_id"),
)

summaries = Table(
    "summaries",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("story_version", Integer, nullable=False),
    Column("backend", String(50), nullable=False),
    Column("model", String(200), nullable=False, default=""),
    Column("prompt_version", String(50), nullable=False, default=""),
    Column("headline", Text, nullable=False),
    Column("sentences", JSON, nullable=False),
    Column("key_points", JSON, nullable=False),
    Column("meta", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_summaries_story_id", "story_id"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job", String(50), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(10), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("error", Text),
    Column("params", JSON, nullable=False),
    Column("seconds", Float),
    Index("ix_runs_job_started_at", "job", "started_at"),
)


def _fk(target: str, ondelete: str = "CASCADE") -> ForeignKey:
    return ForeignKey(f"{target}.id", ondelete=ondelete)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handle", String(64), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("email", Text, unique=True),
    Column("timezone", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("edition_size", Integer, nullable=False),
    Column("morning_time", String(5), nullable=False),
    Column("is_admin", Boolean, nullable=False),
    Column("password_hash", Text),
    Column("created_at", UTCDateTime, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("user_id", Integer, _fk("users"), primary_key=True),
    Column("source_id", Integer, _fk("sources"), primary_key=True),
    Column("added_at", UTCDateTime, nullable=False),
    Index("ix_subscriptions_source_id", "source_id"),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("stats", JSON, nullable=False),
    UniqueConstraint("user_id", "content_hash"),
)

curate_requests = Table(
    "curate_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("text", Text, nullable=False),
    Column("action", String(10), nullable=False),
    Column("topic", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("status", String(10), nullable=False),
    Index("ix_curate_requests_user_id", "user_id"),
)

interests = Table(
    "interests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("label", Text, nullable=False),
    Column("sign", Integer, nullable=False),  # +1 a topic wanted, -1 a topic not wanted
    Column("weight", Float, nullable=False),
    Column("hard", Boolean, nullable=False),  # "nothing about X": a block, not a preference
    Column("origin", String(20), nullable=False),
    Column("model", String(100), nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Column("import_id", Integer, _fk("imports")),
    Column("request_id", Integer, _fk("curate_requests")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_evidence_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("edited", Boolean, nullable=False),  # changed by the person: learning leaves it alone
    Index("ix_interests_user_id", "user_id"),
    Index("ix_interests_request_id", "request_id"),
    Index("ix_interests_import_id", "import_id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("interest_id", Integer, _fk("interests"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ref", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("weight", Float, nullable=False),
    Column("import_id", Integer, _fk("imports")),
    Index("ix_evidence_interest_id", "interest_id"),
    Index("ix_evidence_import_id", "import_id"),
    Index("ix_evidence_user_id", "user_id"),
)

editions = Table(
    "editions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("date", String(10), nullable=False),  # the user's local date, YYYY-MM-DD
    Column("created_at", UTCDateTime, nullable=False),
    Column("card_count", Integer, nullable=False),
    Column("quiet", Boolean, nullable=False),
    Column("meta", JSON, nullable=False),
    UniqueConstraint("user_id", "date"),
)

cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("edition_id", Integer, _fk("editions"), nullable=False),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(10), nullable=False),  # story, update, top
    Column("story_id", Integer, _fk("stories", "SET NULL")),
    Column("story_version", Integer, nullable=False),
    Column("headline", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("interest_id", Integer, _fk("interests", "SET NULL")),
    Column("interest_label", Text, nullable=False),
    Column("sources", JSON, nullable=False),
    Column("changes", JSON, nullable=False),
    Column("score", Float, nullable=False),
    Column("vector", LargeBinary),  # the story's centroid when shown: feedback learns from it
    Column("saved", Boolean, nullable=False),
    Column("dismissed", Boolean, nullable=False),
    Column("feedback", String(10)),
    Column("created_at", UTCDateTime, nullable=False),
    # "why this matters to you", written by the LLM when personal_lines is on (0005)
    Column("personal_line", Text, nullable=False, default="", server_default=""),
    Index("ix_cards_edition_id", "edition_id"),
    Index("ix_cards_user_id_story_id", "user_id", "story_id"),
    Index("ix_cards_interest_id", "interest_id"),
    Index("ix_cards_story_id", "story_id"),
)

feedback_events = Table(
    "feedback_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("card_id", Integer, _fk("cards", "SET NULL")),
    Column("story_id", Integer, _fk("stories", "SET NULL")),
    Column("action", String(10), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_feedback_events_user_id", "user_id"),
    Index("ix_feedback_events_story_id", "story_id"),
    Index("ix_feedback_events_card_id", "card_id"),
)


# -- accounts and the web app (aube.web): log-in sessions, API tokens, invites, log-in
# throttling, site-wide settings. Secrets are stored as SHA-256 digests only.

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # digest of the cookie's secret
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("csrf", String(64), nullable=False),  # the form token of this session
    Column("created_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_user_id", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("name", Text, nullable=False),
    Column("prefix", String(16), nullable=False),  # shown in settings so a token can be told apart
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    UniqueConstraint("token_hash"),
    Index("ix_api_tokens_user_id", "user_id"),
)

invites = Table(
    "invites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_by", Integer, _fk("users"), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Column("used_by", Integer, _fk("users", "SET NULL")),
    UniqueConstraint("token_hash"),
    Index("ix_invites_created_by", "created_by"),
    Index("ix_invites_used_by", "used_by"),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account", String(400), nullable=False),  # "user:<id>", or the name typed when unknown
    Column("ip", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_login_failures_account_at", "account", "at"),
    Index("ix_login_failures_ip_at", "ip", "at"),
)

site_settings = Table(
    "site_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
)


# -- delivery (migration 0004): channels, deliveries and the worker's locks

delivery_channels = Table(
    "delivery_channels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("kind", String(10), nullable=False),  # email, apprise, atom
    Column("target", Text, nullable=False),  # the Apprise URL; "" for email and atom
    Column("enabled", Boolean, nullable=False),
    Column("secret_hash", String(64)),  # atom: SHA-256 of the feed token; the token is not kept
    Column("unsubscribe_token", String(64)),  # email: one-click unsubscribe; grants only that
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "kind", "target"),
    Index("ix_delivery_channels_secret_hash", "secret_hash", unique=True),
    Index("ix_delivery_channels_unsubscribe_token", "unsubscribe_token", unique=True),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, _fk("users"), nullable=False),
    Column("channel_id", Integer, _fk("delivery_channels"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("date", String(10), nullable=False),  # the edition's date, the user's local day
    Column("edition_id", Integer, _fk("editions", "SET NULL")),
    # claimed → sending → sent; retry, failed, unknown (perhaps sent: never resent), skipped
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("worker", String(100)),  # who holds the claim: fences a worker whose lease ran out
    Column("lease_until", UTCDateTime),
    Column("next_attempt_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("error", Text),
    Column("detail", Text),
    UniqueConstraint("channel_id", "date"),  # one delivery of a day's edition per channel, ever
    Index("ix_deliveries_date_status", "date", "status"),
    Index("ix_deliveries_user_id_date", "user_id", "date"),
    Index("ix_deliveries_edition_id", "edition_id"),
)

worker_locks = Table(
    "worker_locks",
    metadata,
    Column("name", String(50), primary_key=True),  # a job only one worker runs at a time
    Column("holder", String(100), nullable=False),
    Column("until", UTCDateTime, nullable=False),
)


# -- LLM (0005): the cost ledger, one row per model call

llm_calls = Table(
    "llm_calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("day", String(10), nullable=False),  # UTC date of ``at``: the unit of reports
    Column("stage", String(10), nullable=False),  # shared, per-user
    Column("purpose", String(40), nullable=False),  # summary, summary-retry, personal-line…
    # Kept when the story, user or edition goes: the figures stay, the link does not.
    Column("story_id", Integer, _fk("stories", "SET NULL")),
    Column("user_id", Integer, _fk("users", "SET NULL")),
    Column("edition_id", Integer, _fk("editions", "SET NULL")),
    Column("backend", String(50), nullable=False),
    Column("model", String(200), nullable=False),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("cached_tokens", Integer, nullable=False),  # prompt tokens the server had cached
    Column("seconds", Float, nullable=False),
    Column("ok", Boolean, nullable=False),
    # 0007: the replica that answered (one of several servers of the model), and what an
    # event row says (a replica taken out or back)
    Column("replica", String(300)),
    Column("note", Text),
    Index("ix_llm_calls_day", "day"),
    Index("ix_llm_calls_at", "at"),
    Index("ix_llm_calls_story_id", "story_id"),
    Index("ix_llm_calls_edition_id", "edition_id"),
    Index("ix_llm_calls_user_id", "user_id"),
)
