"""Recording a run: what ran, when, how long, with what counts, and how it ended.

A run that went on although something went wrong on the way (a model replica taken out,
the night finished on the others) says so in its notes, kept in the run's ``error`` with
its status unchanged: ``aube runs`` shows them."""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aube.clock import Clock
from aube.store import Store


class RunCounts(dict[str, int | float]):
    """The counts a run's body fills, and its ``notes``: what went wrong without stopping it."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []


@contextmanager
def recorded(
    store: Store, job: str, *, clock: Clock, params: dict[str, Any] | None = None
) -> Iterator[RunCounts]:
    """Record a run of ``job``; the body fills the yielded counts (and notes). A failure is
    recorded with its error and re-raised; an ``errors`` count marks a run ``partial``."""
    run_id = store.start_run(job, now=clock(), params=params)
    counts = RunCounts()
    started = time.perf_counter()
    try:
        yield counts
    except BaseException as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()
        store.finish_run(
            run_id,
            now=clock(),
            status="failed",
            counts=dict(counts),
            error="\n".join([error, *counts.notes])[:4000],
            seconds=time.perf_counter() - started,
        )
        raise
    status = "partial" if counts.get("errors") else "ok"
    store.finish_run(
        run_id,
        now=clock(),
        status=status,
        counts=dict(counts),
        error="\n".join(counts.notes)[:4000] or None,
        seconds=time.perf_counter() - started,
    )
