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
