"""Model serving on several replicas (issue 13): the cost ledger says which replica answered
each call, and keeps the words of an event row (a replica taken out, or back).

Revision ID: 0007_llm_replicas
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_llm_replicas"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("llm_calls") as batch:
        batch.add_column(sa.Column("replica", sa.String(300), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("llm_calls") as batch:
        batch.drop_column("note")
        batch.drop_column("replica")
