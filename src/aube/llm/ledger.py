"""The cost ledger: every model call, written down.

``Metered`` wraps any backend and records each call it makes (stage, purpose, story, user,
edition, tokens, seconds, backend, model) in the store, so no caller can forget to; it
also keeps the running total of this process, which the budget guard reads between
batches. Decisions that cost nothing but matter to the bill (a summary that fell back to
the extractive one, lines skipped for the budget) are recorded as zero-token rows, and so
are a backend's events (a model replica taken out or back: ``backend.events()``), with
their words in ``note``; the run that made the calls shows them too (``events``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from aube.clock import Clock
from aube.llm.base import ChatBackend, ChatRequest, ChatResult, Stage
from aube.store import LlmCall, Spent, Store


class Metered:
    def __init__(self, backend: ChatBackend, store: Store, *, clock: Clock) -> None:
        self.inner = backend
        self.name = backend.name
        self.model = backend.model
        self.store = store
        self.clock = clock
        self.spent = Spent()  # by this wrapper, in this process
        self.events: list[str] = []  # what the backend reported (replicas out, back)

    @property
    def parallel(self) -> int:
        return int(getattr(self.inner, "parallel", 1) or 1)

    def complete(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        results = self.inner.complete(requests)
        now = self.clock()
        rows = [
            LlmCall(
                at=now,
                stage=req.stage,
                purpose=req.purpose or "call",
                backend=self.name,
                model=res.model or self.model,
                prompt_tokens=res.prompt_tokens,
                completion_tokens=res.completion_tokens,
                seconds=res.seconds,
                ok=res.ok,
                cached_tokens=int(res.meta.get("cached_tokens", 0) or 0),
                story_id=req.story_id,
                user_id=req.user_id,
                edition_id=req.edition_id,
                replica=str(res.meta.get("replica") or "") or None,
            )
            for req, res in zip(requests, results, strict=True)
        ]
        drain = getattr(self.inner, "events", None)
        stage = requests[0].stage if requests else "shared"
        for event in drain() if drain is not None else ():
            self.events.append(event.message)
            rows.append(
                LlmCall(
                    at=now,
                    stage=stage,
                    purpose=f"replica-{event.kind}",
                    backend=self.name,
                    model=self.model,
                    prompt_tokens=0,
                    completion_tokens=0,
                    seconds=0.0,
                    ok=event.kind == "up",
                    replica=event.url,
                    note=event.message[:2000],
                )
            )
        self.store.record_llm_calls(rows)
        self.spent = replace(
            self.spent,
            tokens=self.spent.tokens + sum(r.prompt_tokens + r.completion_tokens for r in rows),
            seconds=self.spent.seconds + sum(r.seconds for r in rows),
            calls=self.spent.calls + len(requests),
        )
        return results

    def note(
        self,
        stage: Stage,
        purpose: str,
        *,
        story_id: int | None = None,
        user_id: int | None = None,
        edition_id: int | None = None,
    ) -> None:
        """A zero-cost row: a fallback or a skip, so reports can count them."""
        self.store.record_llm_calls(
            [
                LlmCall(
                    at=self.clock(),
                    stage=stage,
                    purpose=purpose,
                    backend=self.name,
                    model=self.model,
                    prompt_tokens=0,
                    completion_tokens=0,
                    seconds=0.0,
                    ok=False,
                    story_id=story_id,
                    user_id=user_id,
                    edition_id=edition_id,
                )
            ]
        )
