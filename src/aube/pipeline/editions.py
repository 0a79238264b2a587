"""The per-user half of the night: every user's edition, in one recorded batch."""

from __future__ import annotations

from collections.abc import Sequence

from aube.clock import Clock
from aube.compose.edition import EditionsReport, build_editions
from aube.config import Settings
from aube.enrich.factory import embedder_for
from aube.pipeline.runs import recorded
from aube.progress import Reporter
from aube.store import Store


def editions(
    store: Store,
    settings: Settings,
    *,
    clock: Clock,
    day: str | None = None,
    user_ids: Sequence[int] | None = None,
    replace: bool = False,
    reporter: Reporter | None = None,
) -> EditionsReport:
    """``aube editions`` and the scheduler both call this."""
    params = {"day": day or "local today", "users": "all" if user_ids is None else len(user_ids)}
    with recorded(store, "editions", clock=clock, params=params) as counts:
        report = build_editions(
            store,
            settings,
            clock=clock,
            model=embedder_for(settings).name,
            day=day,
            user_ids=user_ids,
            replace=replace,
            reporter=reporter,
        )
        counts.update(report.counts())
        if settings.personal_lines and report.edition_ids:  # off by default: a per-user cost
            from aube.compose.personal import write_personal_lines
            from aube.llm.base import get_backend

            lines = write_personal_lines(
                store,
                settings,
                get_backend(settings.llm_backend, settings),
                sorted(report.edition_ids.values()),
                clock=clock,
                reporter=reporter,
            )
            counts.update(lines.counts())
            counts.notes.extend(lines.notes)
    return report
