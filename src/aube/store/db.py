"""Engines and migrations: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from aube.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"

# The execution option that marks a connection's transactions as writes (``Store.write``).
WRITE = "aube_write"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the nightly writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints, safe with WAL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite defers BEGIN until the first write, so a read-then-write transaction could be
    # overtaken between its read and its write. With the driver's own transaction handling off
    # (isolation_level=None), Aube issues BEGIN itself: IMMEDIATE for writes, so the write lock
    # is taken before the first read, and DEFERRED for reads, which never block the writer.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(f"cannot use database URL {url!r}: {exc}") from exc


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; refuse a database newer than this code."""
    config = _alembic_config()
    scripts = ScriptDirectory.from_config(config)
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise StoreError(f"cannot open database {engine.url!r}: {exc.orig}") from exc
    if current is not None:
        try:
            scripts.get_revision(current)
        except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
            raise StoreError(
                f"database {engine.url!r} is at schema revision {current!r}, which this version "
                "of Aube does not know (was it written by a newer Aube?)"
            ) from None
    if current == scripts.get_current_head():
        return
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
