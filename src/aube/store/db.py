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

# The execution options that mark a connection's transactions as writes (``Store.write``) or
# as read-only (``Store.read``). A connection with neither (migrations, tests) is unrestricted.
WRITE = "aube_write"
READ = "aube_read"


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
    options = conn.get_execution_options()
    # A read unit cannot write (a write there would take the lock half-way, unannounced):
    # query_only is per connection, so it is set only when it changes.
    read_only = bool(options.get(READ))
    info = conn.connection.info
    if info.get("query_only", False) != read_only:
        conn.exec_driver_sql(f"PRAGMA query_only = {int(read_only)}")
        info["query_only"] = read_only
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN")


def _postgres_begin(conn: Connection) -> None:
    # A read unit is a READ ONLY transaction. psycopg starts transactions itself (lazily, at
    # the first statement), so the flag is set on the driver's connection, which is idle here.
    read_only = bool(conn.get_execution_options().get(READ))
    driver = conn.connection.dbapi_connection
    if hasattr(driver, "read_only"):
        if driver.read_only != read_only:
            driver.read_only = read_only
    elif read_only:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


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
        engine = create_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "begin", _postgres_begin)
        return engine
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
