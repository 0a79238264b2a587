"""The ``llm`` summarizer: a model writes each story version's headline, 2–4 sentences and
key points, once, for every reader.

Per story: the reports go in (at most ``MAX_ITEMS``, each cut to ``ITEM_CHARS``), a JSON
answer comes out, validated with pydantic (one repair round), then checked for
faithfulness; an unfaithful answer is sent back once with the facts at fault, and if the
second answer fails too the story gets the extractive summary. Every call is in the cost
ledger; the outcome (faithful, retried, fallback and why) is in the summary's meta.

The summary is cached under (story contents, backend/model, prompt version) by the summary
stage, so a rerun costs nothing; a story that fell back is cached too (the same model
would fail the same way), except when the budget guard made it extractive or the model
could not be reached (every replica out): that one is provisional and gets its LLM
summary on a later night."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from aube.clock import Clock
from aube.config import Settings
from aube.llm.base import ChatBackend, ChatRequest, Message, get_backend
from aube.llm.budget import Budget, Cost, estimate, plan_night, seconds_per_token
from aube.llm.ledger import Metered
from aube.llm.structured import ask, schema_of
from aube.store import Store
from aube.summarize.base import StoryInput, cache_key
from aube.summarize.extractive import ExtractiveSummarizer
from aube.summarize.faithfulness import check
from aube.summarize.prompts import load_prompt
from aube.summarize.sentences import split_sentences
from aube.types import Item, Summary

PROMPT = "story_summary.v2"
MAX_ITEMS = 6  # the reports a model reads: the earliest, then the latest, across publishers
ITEM_CHARS = 700
BATCH = 8  # requests sent together (an OpenAI-compatible server runs them concurrently)
CHARS_PER_TOKEN = 3.5  # for estimates before a call; the ledger records real counts


class StorySummaryOut(BaseModel):
    """A story's brief as the model must give it. The least number of sentences depends on
    the story (validation context ``min_sentences``, default 2): a story known from one
    headline and a one-line teaser cannot be told in two sentences without inventing one."""

    headline: str = Field(min_length=3, max_length=160)
    sentences: list[str] = Field(min_length=1, max_length=4)
    key_points: list[str] = Field(default_factory=list, max_length=3)

    @field_validator("headline")
    @classmethod
    def _a_headline(cls, value: str) -> str:
        if len(value.split()) < 3:
            raise ValueError("a headline has at least 3 words")
        return value

    @field_validator("headline", "sentences", "key_points", mode="before")
    @classmethod
    def _tidy(cls, value: object) -> object:
        if isinstance(value, list):
            return [_tidy(v) if isinstance(v, str) else v for v in value]
        return _tidy(value) if isinstance(value, str) else value

    @field_validator("sentences")
    @classmethod
    def _real_sentences(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # A small model repeats itself and slips labels in ("key_points:", "Financial
        # Times"): a repeat or a fragment of under four words states nothing, so it is
        # dropped, not held against the rest; what is left must still be enough sentences.
        needed = int((info.context or {}).get("min_sentences", 2))
        kept: dict[str, str] = {}
        for sentence in value:
            words = sentence.split()
            if len(sentence) > 400:
                raise ValueError(f"each sentence is under 400 characters: {sentence[:60]!r}")
            if len(words) >= 4:
                kept.setdefault(" ".join(w.lower() for w in words), sentence)
        if len(kept) < needed:
            raise ValueError(
                f"at least {needed} different sentence(s) of 4 words or more are needed"
            )
        return list(kept.values())

    @field_validator("key_points")
    @classmethod
    def _points(cls, value: list[str]) -> list[str]:
        return [p for p in value if len(p.split()) >= 2]


_CITATION = re.compile(r"\s*\[\d+(?:\s*[,-]\s*\d+)*\]")
_NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")


def _tidy(text: str) -> str:
    """Without the report numbers the prompt uses (``[2]``) or list numbering (``1.``):
    references, not facts, and nothing a reader needs."""
    return " ".join(_NUMBERING.sub("", _CITATION.sub("", text)).split())


class _Schema(BaseModel):
    """What the model is constrained to (kept loose enough for a grammar; the bounds on
    sentences are checked after, with a repair round)."""

    headline: str = Field(max_length=120)
    # Bounded strings also bound a small model that would repeat itself to max_tokens.
    sentences: list[Annotated[str, Field(max_length=240)]] = Field(min_length=2, max_length=4)
    key_points: list[Annotated[str, Field(max_length=100)]] = Field(max_length=3)


class _ThinSchema(_Schema):
    """The same for a story with a single sentence of text to go on."""

    sentences: list[Annotated[str, Field(max_length=240)]] = Field(min_length=1, max_length=4)


@dataclass
class _Outcome:
    summary: Summary
    meta: dict[str, Any]


class LlmSummarizer:
    name = "llm"

    def __init__(
        self,
        backend: ChatBackend,
        *,
        sentences: int = 3,
        max_tokens: int = 400,
        budget: Budget | None = None,
    ) -> None:
        self.backend = backend
        self.model = f"{backend.name}/{backend.model}"
        self.prompt = load_prompt(PROMPT)
        self.prompt_version = self.prompt.version
        self.sentences = sentences
        self.max_tokens = max_tokens
        self.budget = budget or Budget()
        self.extractive = ExtractiveSummarizer(sentences)
        self._metered: Metered | None = None
        self._allowed: set[int] | None = None  # None: no budget decision, every story
        self._meta: dict[int, dict[str, Any]] = {}
        self._spent_before = Cost()  # in the ledger's last 24 hours, when prepared
        self._schema = schema_of(_Schema)
        self._thin_schema = schema_of(_ThinSchema)

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmSummarizer:
        return cls(
            get_backend(settings.llm_backend, settings),
            sentences=settings.summary_sentences,
            max_tokens=settings.llm_max_tokens,
            budget=Budget.from_settings(settings),
        )

    # -- hooks of the summary stage

    def prepare(self, store: Store, story_ids: Sequence[int], *, clock: Clock) -> None:
        """Record calls in ``store``'s ledger, and decide tonight's budget: the stories the
        budget allows LLM summaries for, most covered first."""
        self._metered = Metered(self.backend, store, clock=clock)
        self._allowed = None
        if not (self.budget.tokens or self.budget.seconds) or not story_ids:
            return
        since = clock() - timedelta(hours=24)
        spent = store.llm_spent(since=since)
        pace = store.llm_spent(since=clock() - timedelta(days=7))
        per_token = seconds_per_token(pace.tokens, pace.seconds)
        hashes = store.story_hashes(story_ids)
        todo = [
            sid for sid in story_ids if store.get_summary(cache_key(hashes[sid][0], self)) is None
        ]
        ranked = sorted(
            store.get_stories(todo, with_items=False),
            key=lambda s: (s.publisher_count, s.item_count, s.last_seen),
            reverse=True,
        )
        members = store.story_member_map(todo)
        costs = []
        for story in ranked:
            n = min(len(members.get(story.id, [])), MAX_ITEMS)
            prompt_tokens = int(
                (len(self.prompt.text) + n * (ITEM_CHARS / 2 + 80)) / CHARS_PER_TOKEN
            )
            costs.append((story.id, estimate(prompt_tokens, self.max_tokens // 2, per_token)))
        plan = plan_night(self.budget, Cost(spent.tokens, spent.seconds), costs)
        self._allowed = set(plan.llm_stories)
        self._spent_before = Cost(spent.tokens, spent.seconds)

    def notices(self) -> list[str]:
        """What the backend reported while summarizing (a model replica taken out or back)."""
        return list(self._metered.events) if self._metered is not None else []

    def meta_for(self, story_id: int) -> dict[str, Any]:
        """How the summary of ``story_id`` was made (faithfulness, retry, fallback)."""
        return self._meta.get(story_id, {})

    # -- the Summarizer protocol

    def summarize(self, stories: Sequence[StoryInput]) -> list[Summary]:
        backend = self._metered or self.backend
        fallback = self.extractive.summarize(stories)
        outcomes: list[_Outcome | None] = [None] * len(stories)
        todo: list[int] = []
        for i, story in enumerate(stories):
            if not story.items:
                outcomes[i] = _Outcome(fallback[i], {"fallback": "no items"})
            elif self._allowed is not None and story.story_id not in self._allowed:
                outcomes[i] = self._fallen(fallback[i], story, "budget", provisional=True)
            else:
                todo.append(i)
        # A batch fills the model servers (every replica's slots), and no more: the budget
        # guard looks between batches.
        size = max(BATCH, int(getattr(backend, "parallel", 1) or 1))
        for start in range(0, len(todo), size):
            batch = todo[start : start + size]
            if self._over_budget():
                for i in batch:
                    outcomes[i] = self._fallen(fallback[i], stories[i], "budget", provisional=True)
                continue
            for i, outcome in zip(
                batch,
                self._write([stories[i] for i in batch], backend, [fallback[i] for i in batch]),
                strict=True,
            ):
                outcomes[i] = outcome
        result = []
        for story, outcome in zip(stories, outcomes, strict=True):
            assert outcome is not None
            self._meta[story.story_id] = outcome.meta
            result.append(outcome.summary)
        return result

    def _over_budget(self) -> bool:
        """The runtime guard: estimates can be wrong, the ledger is not."""
        if self._metered is None or not (self.budget.tokens or self.budget.seconds):
            return False
        spent = self._spent_before + Cost(self._metered.spent.tokens, self._metered.spent.seconds)
        return bool(
            (self.budget.tokens and spent.tokens >= self.budget.tokens)
            or (self.budget.seconds and spent.seconds >= self.budget.seconds)
        )

    def _write(
        self, stories: list[StoryInput], backend: ChatBackend, fallback: list[Summary]
    ) -> list[_Outcome]:
        requests = [self._request(s) for s in stories]
        contexts = [{"min_sentences": _needed(s)} for s in stories]
        first = ask(backend, requests, StorySummaryOut, contexts=contexts)
        sources = [_sources(s) for s in stories]
        outcomes: list[_Outcome | None] = [None] * len(stories)
        retry: list[tuple[int, ChatRequest, tuple[str, ...]]] = []
        for i, answer in enumerate(first):
            if answer.value is None:
                # No answer at all (every replica out, the server down) says nothing about
                # what the model would write: provisional, tried again the next night. An
                # answer that stayed invalid is the model's: cached like any outcome.
                outage = not answer.calls[-1].ok
                outcomes[i] = self._fallen(
                    fallback[i],
                    stories[i],
                    "unavailable" if outage else "invalid",
                    provisional=outage,
                    error=answer.error,
                )
                continue
            verdict = check(_texts(answer.value), sources[i])
            if verdict.ok:
                outcomes[i] = _Outcome(
                    self._summary(answer.value),
                    {"faithful": True, "retried": False, "llm_backend": self.backend.name},
                )
                continue
            # Once more, told exactly which facts the reports do not hold.
            note = (
                "These are not in the reports: "
                + "; ".join(verdict.problems[:8])
                + ". Write the JSON again using only facts from the reports."
            )
            request = replace(
                requests[i],
                purpose="summary-retry",
                messages=requests[i].messages
                + (Message("assistant", answer.value.model_dump_json()), Message("user", note)),
            )
            retry.append((i, request, verdict.problems))
        if retry:
            again = ask(
                backend,
                [r for _, r, _ in retry],
                StorySummaryOut,
                contexts=[contexts[i] for i, _, _ in retry],
            )
            for (i, _req, problems), answer in zip(retry, again, strict=True):
                if answer.value is not None:
                    verdict = check(_texts(answer.value), sources[i])
                    if verdict.ok:
                        outcomes[i] = _Outcome(
                            self._summary(answer.value),
                            {
                                "faithful": True,
                                "retried": True,
                                "first_problems": list(problems),
                                "llm_backend": self.backend.name,
                            },
                        )
                        continue
                    problems = verdict.problems
                outcomes[i] = self._fallen(
                    fallback[i],
                    stories[i],
                    "unfaithful",
                    problems=list(problems),
                    error=answer.error,
                )
        return [o for o in outcomes if o is not None]

    def _fallen(
        self,
        summary: Summary,
        story: StoryInput,
        why: str,
        *,
        provisional: bool = False,
        **details: Any,
    ) -> _Outcome:
        meta: dict[str, Any] = {
            "fallback": why,
            "faithful": False,
            "llm_backend": self.backend.name,
        }
        meta.update({k: v for k, v in details.items() if v})
        if provisional:
            meta["provisional"] = True
        if self._metered is not None:
            self._metered.note("shared", f"summary-fallback-{why}", story_id=story.story_id)
        return _Outcome(summary, meta)

    def _request(self, story: StoryInput) -> ChatRequest:
        needed = _needed(story)
        messages = self.prompt.messages(
            items=[_view(i) for i in _pick(story.items)],
            min_sentences=needed,
            max_sentences=max(2, self.sentences),
        )
        return ChatRequest(
            messages=messages,
            max_tokens=self.max_tokens,
            schema=self._schema if needed >= 2 else self._thin_schema,
            stage="shared",
            purpose="summary",
            story_id=story.story_id,
        )

    def _summary(self, out: StorySummaryOut) -> Summary:
        return Summary(
            headline=" ".join(out.headline.split()),
            sentences=tuple(" ".join(s.split()) for s in out.sentences if s.strip()),
            key_points=tuple(" ".join(k.split()) for k in out.key_points if k.strip()),
            backend=self.name,
            model=self.model,
            prompt_version=self.prompt_version,
        )


def _needed(story: StoryInput) -> int:
    """The least number of sentences a faithful brief of ``story`` can have: 2, or 1 when
    its reports hold a single sentence of text beyond their headlines."""
    sentences = {
        " ".join(s.lower().split())
        for item in _pick(story.items)
        for s in split_sentences(_view(item)["text"])
        if len(s.split()) >= 4
    }
    return 2 if len(sentences) >= 2 else 1


def _pick(items: Sequence[Item]) -> list[Item]:
    """The first report, then the newest ones, one per publisher where possible."""
    if len(items) <= MAX_ITEMS:
        return list(items)
    chosen = [items[0]]
    seen = {items[0].publisher or items[0].source_id}
    for item in reversed(items[1:]):
        key = item.publisher or item.source_id
        if key not in seen and len(chosen) < MAX_ITEMS:
            chosen.append(item)
            seen.add(key)
    for item in reversed(items[1:]):
        if len(chosen) >= MAX_ITEMS:
            break
        if item not in chosen:
            chosen.append(item)
    return sorted(chosen, key=lambda i: (i.published_at, i.id))


def _view(item: Item) -> dict[str, str]:
    text = (item.text or item.summary or "").strip()
    if text.strip().lower() == item.title.strip().lower():
        text = ""
    if len(text) > ITEM_CHARS:
        text = text[:ITEM_CHARS].rsplit(" ", 1)[0] + " …"
    return {
        "publisher": item.publisher or "a publisher",
        "title": item.title.strip(),
        "date": item.published_at.strftime("%A %d %B %Y"),
        "text": text,
    }


def _sources(story: StoryInput) -> list[str]:
    """What the faithfulness check accepts facts from: every report of the story, whole
    (the dates given to the model included)."""
    out = []
    for item in story.items:
        out += [
            item.title,
            item.summary,
            item.text,
            item.publisher,
            item.published_at.strftime("%A %d %B %Y"),
        ]
    return out


def _texts(out: StorySummaryOut) -> list[str]:
    return [out.headline, *out.sentences, *out.key_points]
