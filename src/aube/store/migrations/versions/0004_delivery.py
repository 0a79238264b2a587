"""Delivery: channels, deliveries (the exactly-once claims) and the worker's locks.

Depends only on tables from 0001/0002 (users, editions).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete=ondelete, name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "delivery_channels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, _fk("delivery_channels", "user_id", "users"), nullable=False
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("secret_hash", sa.String(64)),
        sa.Column("unsubscribe_token", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint(
            "user_id", "kind", "target", name="uq_delivery_channels_user_id_kind_target"
        ),
    )
    op.create_index(
        "ix_delivery_channels_secret_hash", "delivery_channels", ["secret_hash"], unique=True
    )
    op.create_index(
        "ix_delivery_channels_unsubscribe_token",
        "delivery_channels",
        ["unsubscribe_token"],
        unique=True,
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("deliveries", "user_id", "users"), nullable=False),
        sa.Column(
            "channel_id",
            sa.Integer,
            _fk("deliveries", "channel_id", "delivery_channels"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column(
            "edition_id", sa.Integer, _fk("deliveries", "edition_id", "editions", "SET NULL")
        ),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(100)),
        sa.Column("lease_until", TS),
        sa.Column("next_attempt_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.Column("error", sa.Text),
        sa.Column("detail", sa.Text),
        sa.UniqueConstraint("channel_id", "date", name="uq_deliveries_channel_id_date"),
    )
    op.create_index("ix_deliveries_date_status", "deliveries", ["date", "status"])
    op.create_index("ix_deliveries_user_id_date", "deliveries", ["user_id", "date"])
    op.create_table(
        "worker_locks",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("until", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("worker_locks", "deliveries", "delivery_channels"):
        op.drop_table(table)
