"""What the ledger says about one day: tokens and seconds per story, per edition, per user
and in all, shared versus per-user, and the work a capacity projection starts from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aube.llm.capacity import Work


@dataclass
class Totals:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    seconds: float = 0.0
    failed: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, row: dict[str, Any]) -> None:
        self.calls += int(row["calls"])
        self.prompt_tokens += int(row["prompt_tokens"] or 0)
        self.completion_tokens += int(row["completion_tokens"] or 0)
        self.cached_tokens += int(row["cached_tokens"] or 0)
        self.seconds += float(row["seconds"] or 0.0)
        self.failed += int(row["failed"] or 0)


@dataclass
class DayCost:
    day: str
    shared: Totals = field(default_factory=Totals)
    per_user: Totals = field(default_factory=Totals)
    stories: dict[int, Totals] = field(default_factory=dict)
    editions: dict[int, Totals] = field(default_factory=dict)
    users: dict[int, Totals] = field(default_factory=dict)
    events: Counter[str] = field(default_factory=Counter)  # fallbacks and skips, by kind
    models: set[str] = field(default_factory=set)

    @property
    def total(self) -> Totals:
        t = Totals()
        for part in (self.shared, self.per_user):
            t.add(
                {
                    "calls": part.calls,
                    "prompt_tokens": part.prompt_tokens,
                    "completion_tokens": part.completion_tokens,
                    "cached_tokens": part.cached_tokens,
                    "seconds": part.seconds,
                    "failed": part.failed,
                }
            )
        return t

    def work(self) -> Work:
        """The night's shared tokens, and the per-user tokens of an average user who had
        per-user work (zero when per-user lines are off)."""
        n = len(self.users)
        return Work(
            shared_prompt=self.shared.prompt_tokens,
            shared_completion=self.shared.completion_tokens,
            user_prompt=self.per_user.prompt_tokens / n if n else 0.0,
            user_completion=self.per_user.completion_tokens / n if n else 0.0,
        )


def day_cost(day: str, rows: Iterable[dict[str, Any]]) -> DayCost:
    """Fold the ledger's grouped rows (``Store.llm_usage``) into one day's report. Zero-token
    rows are decisions (a fallback, a skip): counted as events, not as calls."""
    report = DayCost(day)
    for row in rows:
        if not row["prompt_tokens"] and not row["completion_tokens"] and not row["seconds"]:
            report.events[row["purpose"]] += int(row["calls"])
            continue
        report.models.add(f"{row['backend']}/{row['model']}")
        part = report.shared if row["stage"] == "shared" else report.per_user
        part.add(row)
        for key, table in (
            ("story_id", report.stories),
            ("edition_id", report.editions),
            ("user_id", report.users),
        ):
            if row[key] is not None and (key == "story_id") == (row["stage"] == "shared"):
                table.setdefault(int(row[key]), Totals()).add(row)
    return report


def typical_night(reports: Iterable[DayCost]) -> Work:
    """The work of a typical night over several days: the mean shared tokens of the days
    that had shared work, and the mean per-user tokens per user and day. (A night can span
    two UTC days, summaries before midnight and per-user lines after: averaging over days
    keeps the projection from seeing one half only.)"""
    reports = list(reports)
    shared_days = [r for r in reports if r.shared.calls]
    user_days = sum(len(r.users) for r in reports)
    n = len(shared_days)
    return Work(
        shared_prompt=sum(r.shared.prompt_tokens for r in shared_days) / n if n else 0.0,
        shared_completion=sum(r.shared.completion_tokens for r in shared_days) / n if n else 0.0,
        user_prompt=sum(r.per_user.prompt_tokens for r in reports) / user_days
        if user_days
        else 0.0,
        user_completion=(
            sum(r.per_user.completion_tokens for r in reports) / user_days if user_days else 0.0
        ),
    )
