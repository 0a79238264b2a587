"""Per-user lines: one "why this matters to you" sentence per card, written by the LLM.

Off by default (``personal_lines``): it is the only model work whose cost grows with the
number of users, and the rule-written reason on every card already says why it is there.

Shared where the input is the same: the prompt holds the story and the interest's label
and nothing else about the reader, so every reader of one story version who follows an
interest with the same label gets the same line from one call (a label typed from the
suggested topics is shared by many readers; one learned from a private chat is not, and
costs a call of its own). Nothing private crosses between readers: each line is the
answer to that reader's own prompt. Batched for the server's sake: the prompt puts what is
shared first (instructions, then the story) and the interest last, and requests are sent
grouped by story, so a server with prefix caching (vLLM, SGLang, llama.cpp) computes each
story's prefix once. A line must pass the faithfulness check against the story and the
reader's interest; one that does not is dropped (the card keeps its plain reason: no
retry, to keep the per-user cost small). Every call is in the cost ledger (stage
"per-user", with the user and edition), and the budget guard skips the lines of the last
editions first when the night would exceed the budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import BaseModel, Field

from aube.clock import Clock
from aube.config import Settings
from aube.llm.base import ChatBackend, ChatRequest
from aube.llm.budget import Budget, Cost, estimate, plan_night, seconds_per_token
from aube.llm.ledger import Metered
from aube.llm.structured import ask, schema_of
from aube.progress import Reporter, Silent
from aube.store import Store
from aube.summarize.faithfulness import check
from aube.summarize.prompts import load_prompt
from aube.types import Card

PROMPT = "personal_line.v2"
BATCH = 16
CHARS_PER_TOKEN = 3.5


class LineOut(BaseModel):
    line: str = Field(min_length=3, max_length=240)


@dataclass
class PersonalReport:
    editions: int = 0
    lines: int = 0
    unfaithful: int = 0
    invalid: int = 0
    skipped_budget: int = 0  # editions whose lines the budget guard skipped
    tokens: int = 0
    calls: int = 0  # one per distinct (story version, interest label)
    reused: int = 0  # cards given a line written in an earlier run
    notes: list[str] = field(default_factory=list)  # the backend's events (a replica out)

    def counts(self) -> dict[str, int | float]:
        return {f"personal_{k}": v for k, v in vars(self).items() if k != "notes"}


def _wants_line(card: Card) -> bool:
    # A line needs an interest to explain; "top story" cards have none, and a line that
    # exists already is not paid for twice.
    return bool(card.story_id and card.interest_label and not card.personal_line)


def write_personal_lines(
    store: Store,
    settings: Settings,
    backend: ChatBackend,
    edition_ids: Sequence[int],
    *,
    clock: Clock,
    reporter: Reporter | None = None,
) -> PersonalReport:
    """Write the per-user lines of the cards of ``edition_ids``; returns what happened."""
    reporter = reporter or Silent()
    prompt = load_prompt(PROMPT)
    schema = schema_of(LineOut)
    metered = Metered(backend, store, clock=clock)
    budget = Budget.from_settings(settings)
    by_edition = store.edition_cards(edition_ids)
    report = PersonalReport(editions=len(by_edition))
    wanted: list[tuple[int, Card]] = [
        (eid, c) for eid in edition_ids for c in by_edition.get(eid, []) if _wants_line(c)
    ]
    requests = {
        c.id: _request(prompt, c, eid, settings.personal_line_max_tokens, schema)
        for eid, c in wanted
    }

    allowed = {eid for eid, _ in wanted}
    before = Cost()
    if budget.limited and wanted:
        now = clock()
        spent = store.llm_spent(since=now - timedelta(hours=24))
        before = Cost(spent.tokens, spent.seconds)
        pace = store.llm_spent(since=now - timedelta(days=7))
        per_token = seconds_per_token(pace.tokens, pace.seconds)
        costs: dict[int, Cost] = {}
        users: dict[int, int] = {}
        for eid, card in wanted:
            req = requests[card.id]
            chars = sum(len(m.content) for m in req.messages)
            costs[eid] = costs.get(eid, Cost()) + estimate(
                int(chars / CHARS_PER_TOKEN), req.max_tokens // 2, per_token
            )
            users[eid] = card.user_id
        user_spent = store.llm_spent_by_user(
            sorted(set(users.values())), since=now - timedelta(hours=24)
        )
        plan = plan_night(
            budget,
            Cost(spent.tokens, spent.seconds),
            [],
            [(eid, users[eid], costs[eid]) for eid in costs],
            user_spent,
        )
        allowed = set(plan.line_editions)
        for eid in plan.skipped_editions:
            metered.note(
                "per-user", "personal-line-skipped-budget", user_id=users[eid], edition_id=eid
            )
        report.skipped_budget = len(plan.skipped_editions)

    # One request per distinct (story version, label), grouped by story: readers of one
    # story share the longest prompt prefix.
    readers: dict[tuple[int, int, str], list[Card]] = {}
    for eid, c in wanted:
        if eid in allowed:
            readers.setdefault(_line_key(c), []).append(c)
    lines: dict[int, str] = {}
    # A line written in an earlier batch (another time zone's morning) is reused, not paid again.
    for key, line in store.written_lines([k[0] for k in readers]).items():
        for reader in readers.pop(key, []):
            lines[reader.id] = line
            report.reused += 1
    todo = sorted(
        ((group[0].edition_id, group[0]) for group in readers.values()),
        key=lambda pair: (pair[1].story_id or 0, pair[1].user_id),
    )
    advance = reporter.task("per-user lines", len(todo))
    size = max(BATCH, metered.parallel)  # enough to fill every replica's slots
    for start in range(0, len(todo), size):
        if _over(budget, before, metered):
            report.skipped_budget += len({eid for eid, _ in todo[start:]})
            break
        batch = todo[start : start + size]
        answers = ask(metered, [requests[c.id] for _, c in batch], LineOut, repair=False)
        report.calls += len(batch)
        for (_eid, card), answer in zip(batch, answers, strict=True):
            report.tokens += answer.tokens
            if answer.value is None:
                report.invalid += 1
                continue
            line = " ".join(answer.value.line.split())
            sources = [card.headline, card.summary, card.interest_label]
            if not check([line], sources).ok:
                report.unfaithful += 1
                metered.note(
                    "per-user",
                    "personal-line-unfaithful",
                    story_id=card.story_id,
                    user_id=card.user_id,
                    edition_id=card.edition_id,
                )
                continue
            for reader in readers[_line_key(card)]:
                lines[reader.id] = line
        advance(len(batch))
    store.set_personal_lines(lines)
    report.lines = len(lines)
    report.notes = list(metered.events)
    return report


def _line_key(card: Card) -> tuple[int, int, str]:
    return (card.story_id or 0, card.story_version, card.interest_label.strip().lower())


def _over(budget: Budget, before: Cost, metered: Metered) -> bool:
    """The runtime guard: estimates can be wrong, the ledger is not."""
    tokens = before.tokens + metered.spent.tokens
    seconds = before.seconds + metered.spent.seconds
    return bool(
        (budget.tokens and tokens >= budget.tokens)
        or (budget.seconds and seconds >= budget.seconds)
    )


def _request(prompt, card: Card, edition_id: int, max_tokens: int, schema: dict) -> ChatRequest:  # type: ignore[no-untyped-def]
    messages = prompt.messages(
        headline=card.headline, summary=card.summary, interest=card.interest_label
    )
    return ChatRequest(
        messages=messages,
        max_tokens=max_tokens,
        schema=schema,
        stage="per-user",
        purpose="personal-line",
        story_id=card.story_id,
        user_id=card.user_id,
        edition_id=edition_id,
    )
