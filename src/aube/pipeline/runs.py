"""Recording a run: what ran, when, how long, with what counts, and how it ended."""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aube.clock import Clock
from aube.store import Store


@contextmanager
def recorded(
    store: Store, job: str, *, clock: Clock, params: dict[str, Any] | None = None
) -> Iterator[dict[str, int | float]]:
    """Record a run of ``job``; the body fills the yielded counts. A failure is recorded with
    its error and re-raised; a ``partial`` count marks a run that finished with some errors."""
    run_id = store.start_run(job, now=clock(), params=params)
    counts: dict[str, int | float] = {}
    started = time.perf_counter()
    try:
        yield counts
    except BaseException as exc:
        store.finish_run(
            run_id,
            now=clock(),
            status="failed",
            counts=counts,
            error="".join(traceback.format_exception_only(exc)).strip()[:4000],
            seconds=time.perf_counter() - started,
        )
        raise
    status = "partial" if counts.get("errors") else "ok"
    store.finish_run(
        run_id, now=clock(), status=status, counts=counts, seconds=time.perf_counter() - started
    )
