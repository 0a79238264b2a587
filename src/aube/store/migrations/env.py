"""Alembic environment: Aube runs migrations itself (``aube.store.db.migrate``), on the
connection it already holds, so this file only wires that connection in."""

from alembic import context

from aube.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
