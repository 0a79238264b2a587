"""An index under every foreign key that has none: deleting a user (or a story, an interest,
an import) cascades to the rows that point at it, and without an index each of those
cascades scans the whole child table — deleting one account took seconds once there were
many cards.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = [
    ("interests", "request_id"),
    ("interests", "import_id"),
    ("evidence", "import_id"),
    ("evidence", "user_id"),
    ("cards", "interest_id"),
    ("cards", "story_id"),
    ("feedback_events", "story_id"),
    ("feedback_events", "card_id"),
    ("invites", "created_by"),
    ("invites", "used_by"),
    ("deliveries", "edition_id"),
    ("llm_calls", "edition_id"),
    ("llm_calls", "user_id"),
]


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
