"""The budget guard's decisions, as pure functions of the budget, what was spent, and
what the night would still cost.

When the night would go over the installation's token or time budget, Aube degrades in
this order, and never fails or runs late because of the budget:

1. skip per-user lines (the cards keep their plain "why it is here" reason), for the
   last editions first;
2. give low-ranked stories the extractive summary instead of an LLM one, from the bottom
   of the ranking up (the most covered stories keep theirs longest).

A per-user budget, when set, caps one user's per-user lines on its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aube.config import Settings

SECONDS_PER_TOKEN = 1 / 50  # until the ledger has measured the model: a small CPU model


@dataclass(frozen=True)
class Budget:
    tokens: int = 0  # per 24 hours, for the installation; 0: no limit
    seconds: float = 0.0
    user_tokens: int = 0  # per 24 hours, for one user's per-user lines; 0: no limit

    @classmethod
    def from_settings(cls, settings: Settings) -> Budget:
        return cls(
            settings.llm_budget_tokens, settings.llm_budget_seconds, settings.llm_budget_user_tokens
        )

    @property
    def limited(self) -> bool:
        return bool(self.tokens or self.seconds or self.user_tokens)


@dataclass(frozen=True)
class Cost:
    tokens: int = 0
    seconds: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.tokens + other.tokens, self.seconds + other.seconds)


@dataclass(frozen=True)
class Plan:
    llm_stories: tuple[int, ...]  # keep their LLM summary, best-ranked first
    extractive_stories: tuple[int, ...]  # degraded to the extractive summary
    line_editions: tuple[int, ...]  # editions whose per-user lines are written
    skipped_editions: tuple[int, ...]  # editions whose per-user lines are skipped
    steps: tuple[str, ...]  # what was degraded, in words, in order

    @property
    def degraded(self) -> bool:
        return bool(self.steps)


def fits(budget: Budget, spent: Cost, more: Cost) -> bool:
    """Whether spending ``more`` after ``spent`` stays within the installation budget."""
    total = spent + more
    if budget.tokens and total.tokens > budget.tokens:
        return False
    return not (budget.seconds and total.seconds > budget.seconds)


def plan_night(
    budget: Budget,
    spent: Cost,
    stories: Sequence[tuple[int, Cost]],
    editions: Sequence[tuple[int, int, Cost]] = (),
    user_spent: dict[int, int] | None = None,
) -> Plan:
    """What to do with what is left. ``stories``: (story id, cost of its LLM summary), best
    ranked first. ``editions``: (edition id, user id, cost of its per-user lines), in the
    order they would be written. ``user_spent``: tokens each user already spent today."""
    story_cost = sum((c for _, c in stories), Cost())
    steps: list[str] = []
    # 1. Per-user lines go first: they only get what the stories leave.
    lines: list[int] = []
    skipped: list[int] = []
    if editions:
        left_after_stories = spent + story_cost
        per_user = dict(user_spent or {})
        running = left_after_stories
        for edition_id, user_id, cost in editions:
            over_user = (
                budget.user_tokens and per_user.get(user_id, 0) + cost.tokens > budget.user_tokens
            )
            if over_user or not fits(budget, running, cost):
                skipped.append(edition_id)
                continue
            lines.append(edition_id)
            running = running + cost
            per_user[user_id] = per_user.get(user_id, 0) + cost.tokens
        if skipped:
            steps.append(f"per-user lines skipped for {len(skipped)} of {len(editions)} editions")
    # 2. Then stories, from the bottom of the ranking.
    keep: list[int] = []
    running = spent
    cut = len(stories)
    for index, (story_id, cost) in enumerate(stories):
        if not fits(budget, running, cost):
            cut = index
            break
        keep.append(story_id)
        running = running + cost
    degraded = [sid for sid, _ in stories[cut:]]
    if degraded:
        steps.append(
            f"extractive summaries for the {len(degraded)} lowest-ranked of {len(stories)} stories"
        )
    return Plan(tuple(keep), tuple(degraded), tuple(lines), tuple(skipped), tuple(steps))


def estimate(prompt_tokens: int, completion_tokens: int, seconds_per_token: float) -> Cost:
    tokens = prompt_tokens + completion_tokens
    return Cost(tokens, tokens * seconds_per_token)


def seconds_per_token(spent_tokens: int, spent_seconds: float) -> float:
    """The measured pace of the model (from the ledger), or a cautious default."""
    if spent_tokens >= 500 and spent_seconds > 0:
        return spent_seconds / spent_tokens
    return SECONDS_PER_TOKEN
