"""Database faults for atomicity tests: a trigger that makes one kind of write fail, as a full
disk or a dropped connection would, half-way through whatever use case runs it.

A real seam (the database refuses the write), not a patched method: the code under test runs
exactly as in production, up to the statement that fails."""

from __future__ import annotations

from aube.store import Store

FAULT = "injected fault"


def fail_writes(
    store: Store, table: str, op: str, *, column: str | None = None, when: str | None = None
) -> None:
    """From now on, every ``op`` (INSERT, UPDATE or DELETE) on ``table`` fails (an UPDATE only
    when it sets ``column``; only rows matching ``when``, written with ``{row}`` for NEW/OLD)."""
    name = f"aube_fault_{table}_{op.lower()}"
    event = f"{op} OF {column}" if column else op
    condition = when.format(row="OLD" if op == "DELETE" else "NEW") if when else None
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            guard = f"WHEN {condition}" if condition else ""
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {guard} "
                f"BEGIN SELECT RAISE(ABORT, '{FAULT}'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE OR REPLACE FUNCTION aube_fault() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{FAULT}'; END $$"
            )
            guard = f"WHEN ({condition})" if condition else ""
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {guard} "
                "EXECUTE FUNCTION aube_fault()"
            )


def heal(store: Store, table: str, op: str) -> None:
    """Remove the fault ``fail_writes`` planted."""
    name = f"aube_fault_{table}_{op.lower()}"
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"DROP TRIGGER {name}"
            if store.dialect == "sqlite"
            else f"DROP TRIGGER {name} ON {table}"
        )
