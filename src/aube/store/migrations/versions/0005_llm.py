"""LLM: the cost ledger (one row per model call) and the per-user line of a card.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _fk(column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(
        f"{target}.id", ondelete="SET NULL", name=f"fk_llm_calls_{column}_{target}"
    )


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("personal_line", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("stage", sa.String(10), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("story_id", sa.Integer, _fk("story_id", "stories")),
        sa.Column("user_id", sa.Integer, _fk("user_id", "users")),
        sa.Column("edition_id", sa.Integer, _fk("edition_id", "editions")),
        sa.Column("backend", sa.String(50), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("cached_tokens", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_index("ix_llm_calls_day", "llm_calls", ["day"])
    op.create_index("ix_llm_calls_at", "llm_calls", ["at"])
    op.create_index("ix_llm_calls_story_id", "llm_calls", ["story_id"])


def downgrade() -> None:
    op.drop_table("llm_calls")
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("personal_line")
