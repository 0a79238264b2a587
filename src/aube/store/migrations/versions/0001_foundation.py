"""Foundation: sources, items, embeddings, stories, summaries, runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("site_url", sa.Text),
        sa.Column("full_text", sa.String(8), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_fetched_at", TS),
        sa.Column("last_ok_at", TS),
        sa.Column("last_error", sa.Text),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.UniqueConstraint("url", name="uq_sources_url"),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("sources.id", ondelete="CASCADE", name="fk_items_source_id_sources"),
            nullable=False,
        ),
        sa.Column("guid", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("lang", sa.String(16)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("full_text_extracted", sa.Boolean, nullable=False),
        sa.UniqueConstraint("source_id", "guid", name="uq_items_source_id_guid"),
    )
    op.create_index("ix_items_url", "items", ["url"], unique=True)
    op.create_index("ix_items_content_hash", "items", ["content_hash"])
    op.create_index("ix_items_published_at", "items", ["published_at"])
    op.create_table(
        "embeddings",
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(100), primary_key=True),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("publisher_count", sa.Integer, nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("centroid", sa.LargeBinary, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("summary_key", sa.String(64)),
    )
    op.create_index("ix_stories_last_seen", "stories", ["last_seen"])
    op.create_table(
        "story_items",
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("items.id", ondelete="CASCADE", name="fk_story_items_item_id_items"),
            primary_key=True,
        ),
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE", name="fk_story_items_story_id_stories"),
            nullable=False,
        ),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_story_items_story_id", "story_items", ["story_id"])
    op.create_table(
        "summaries",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE", name="fk_summaries_story_id_stories"),
            nullable=False,
        ),
        sa.Column("story_version", sa.Integer, nullable=False),
        sa.Column("backend", sa.String(50), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt_version", sa.String(50), nullable=False),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("sentences", sa.JSON, nullable=False),
        sa.Column("key_points", sa.JSON, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_summaries_story_id", "summaries", ["story_id"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job", sa.String(50), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("seconds", sa.Float),
    )
    op.create_index("ix_runs_job_started_at", "runs", ["job", "started_at"])


def downgrade() -> None:
    for table in ("runs", "summaries", "story_items", "stories", "embeddings", "items", "sources"):
        op.drop_table(table)
