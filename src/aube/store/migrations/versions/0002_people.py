"""People: users, subscriptions, imports, interests and their evidence, curate requests,
editions, cards and feedback.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete=ondelete, name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(
            sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.true())
        )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handle", sa.String(64), nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("edition_size", sa.Integer, nullable=False),
        sa.Column("morning_time", sa.String(5), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("handle", name="uq_users_handle"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "subscriptions",
        sa.Column(
            "user_id", sa.Integer, _fk("subscriptions", "user_id", "users"), primary_key=True
        ),
        sa.Column(
            "source_id", sa.Integer, _fk("subscriptions", "source_id", "sources"), primary_key=True
        ),
        sa.Column("added_at", TS, nullable=False),
    )
    op.create_index("ix_subscriptions_source_id", "subscriptions", ["source_id"])
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("imports", "user_id", "users"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("stats", sa.JSON, nullable=False),
        sa.UniqueConstraint("user_id", "content_hash", name="uq_imports_user_id_content_hash"),
    )
    op.create_table(
        "curate_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, _fk("curate_requests", "user_id", "users"), nullable=False
        ),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS),
        sa.Column("status", sa.String(10), nullable=False),
    )
    op.create_index("ix_curate_requests_user_id", "curate_requests", ["user_id"])
    op.create_table(
        "interests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("interests", "user_id", "users"), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("sign", sa.Integer, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("hard", sa.Boolean, nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("import_id", sa.Integer, _fk("interests", "import_id", "imports")),
        sa.Column("request_id", sa.Integer, _fk("interests", "request_id", "curate_requests")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("last_evidence_at", TS, nullable=False),
        sa.Column("expires_at", TS),
        sa.Column("edited", sa.Boolean, nullable=False),
    )
    op.create_index("ix_interests_user_id", "interests", ["user_id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("evidence", "user_id", "users"), nullable=False),
        sa.Column(
            "interest_id", sa.Integer, _fk("evidence", "interest_id", "interests"), nullable=False
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("import_id", sa.Integer, _fk("evidence", "import_id", "imports")),
    )
    op.create_index("ix_evidence_interest_id", "evidence", ["interest_id"])
    op.create_table(
        "editions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("editions", "user_id", "users"), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("card_count", sa.Integer, nullable=False),
        sa.Column("quiet", sa.Boolean, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.UniqueConstraint("user_id", "date", name="uq_editions_user_id_date"),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("edition_id", sa.Integer, _fk("cards", "edition_id", "editions"), nullable=False),
        sa.Column("user_id", sa.Integer, _fk("cards", "user_id", "users"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("story_id", sa.Integer, _fk("cards", "story_id", "stories", "SET NULL")),
        sa.Column("story_version", sa.Integer, nullable=False),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("interest_id", sa.Integer, _fk("cards", "interest_id", "interests", "SET NULL")),
        sa.Column("interest_label", sa.Text, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("vector", sa.LargeBinary),
        sa.Column("saved", sa.Boolean, nullable=False),
        sa.Column("dismissed", sa.Boolean, nullable=False),
        sa.Column("feedback", sa.String(10)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_cards_edition_id", "cards", ["edition_id"])
    op.create_index("ix_cards_user_id_story_id", "cards", ["user_id", "story_id"])
    op.create_table(
        "feedback_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, _fk("feedback_events", "user_id", "users"), nullable=False
        ),
        sa.Column("card_id", sa.Integer, _fk("feedback_events", "card_id", "cards", "SET NULL")),
        sa.Column(
            "story_id", sa.Integer, _fk("feedback_events", "story_id", "stories", "SET NULL")
        ),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_feedback_events_user_id", "feedback_events", ["user_id"])


def downgrade() -> None:
    for table in (
        "feedback_events",
        "cards",
        "editions",
        "evidence",
        "interests",
        "curate_requests",
        "imports",
        "subscriptions",
        "users",
    ):
        op.drop_table(table)
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("is_default")
