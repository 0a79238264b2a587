"""A scripted chat backend for tests: registered through the real registry, answering each
request with what a test's function returns, and reporting tokens as a real one does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from aube.llm.base import ChatRequest, ChatResult, register_backend
from aube.store import Store, StoryState
from aube.types import NewItem

Answer = Callable[[ChatRequest], str]


class ScriptedBackend:
    name = "scripted"
    model = "scripted-1"

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[ChatRequest] = []

    def complete(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        out = []
        for request in requests:
            self.requests.append(request)
            text = self.answer(request)
            prompt = sum(len(m.content.split()) for m in request.messages)
            out.append(
                ChatResult(
                    text=text,
                    prompt_tokens=prompt,
                    completion_tokens=len(text.split()),
                    seconds=0.01,
                    model=self.model,
                )
            )
        return out


def install(answer: Answer) -> ScriptedBackend:
    """Register a scripted backend as ``scripted`` (replacing any earlier one); returns it."""
    backend = ScriptedBackend(answer)
    register_backend("scripted", lambda settings: backend)
    return backend


# Two real stories of 17 September 2025, as (publisher, title, text) reports.
T0 = datetime(2025, 9, 17, 20, 0, tzinfo=UTC)
FED = [
    (
        "NYT",
        "Fed Cuts Rates for First Time This Year",
        (
            "The Federal Reserve lowered its benchmark rate by a quarter point on Wednesday, to a "
            "range of 4% to 4.25%, citing a weakening job market."
        ),
    ),
    (
        "WSJ",
        "The Fed lowered rates by a quarter point",
        "Fed officials voted 11-1 to cut; Stephen Miran dissented in favour of a half-point cut.",
    ),
]
TIKTOK = [
    (
        "FT",
        "US and China reach TikTok framework deal",
        "Negotiators in Madrid agreed a framework for the sale of TikTok's US operations.",
    )
]


def make_story(store: Store, reports: list[tuple[str, str, str]], n0: int) -> int:
    ids = []
    for n, (publisher, title, text) in enumerate(reports, start=n0):
        source, _ = store.add_source(
            f"https://{publisher.lower()}.example/feed", now=T0, title=publisher
        )
        ids += store.insert_items(
            [
                NewItem(
                    source_id=source.id,
                    guid=f"g{n}",
                    url=f"https://{publisher.lower()}.example/{n}",
                    title=title,
                    summary=text,
                    text=text,
                    html="",
                    author=None,
                    published_at=T0 + timedelta(minutes=n),
                    fetched_at=T0,
                    lang="en",
                    content_hash=f"{n:064d}",
                )
            ]
        ).inserted
    state = StoryState(-1, T0, T0, np.ones(4, dtype=np.float32) / 2, len(ids), {})
    return store.apply_clustering([state], [(i, -1) for i in ids], model="m", now=T0)[0]
