"""The two built-in backends against real models: SmolLM2-135M served by a real
OpenAI-compatible server on 127.0.0.1 (or any endpoint in AUBE_TEST_OPENAI_BASE_URL), and
in process through llama-cpp-python. Few requests, few tokens: these run on 2 CPU cores."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import pytest
from pydantic import BaseModel, Field
from summarize.scripted_llm import FED, T0, TIKTOK, make_story

from aube.clock import fixed_clock
from aube.config import load_settings
from aube.llm.base import ChatRequest, Message, get_backend
from aube.llm.ledger import Metered
from aube.llm.structured import ask, schema_of
from aube.store import Store
from aube.summarize.base import get_summarizer
from aube.summarize.stage import summarize_stories

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class Brief(BaseModel):
    headline: str = Field(max_length=80)
    sentences: list[Annotated[str, Field(max_length=160)]] = Field(min_length=1, max_length=1)


def _request(**kw) -> ChatRequest:
    return ChatRequest(
        (
            Message("system", "You write short news briefs as JSON."),
            Message(
                "user",
                "Report: The Federal Reserve cut its benchmark rate by a quarter point "
                "on Wednesday, its first cut this year. Write a headline and one "
                "sentence.",
            ),
        ),
        max_tokens=120,
        schema=schema_of(Brief),
        **kw,
    )


def _check_backend(backend, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(load_settings(data_dir=tmp_path / "data"))
    metered = Metered(backend, store, clock=fixed_clock(T0))
    [answer] = ask(metered, [_request(stage="shared", purpose="probe")], Brief)
    assert answer.value is not None, answer.error  # constrained decoding gives the shape
    assert answer.value.headline.strip()
    first = answer.calls[0]
    assert first.prompt_tokens > 20 and 0 < first.completion_tokens <= 120 and first.seconds > 0
    [row] = [r for r in store.llm_usage(T0.date().isoformat()) if r["purpose"] == "probe"]
    assert row["prompt_tokens"] == first.prompt_tokens and row["backend"] == backend.name
    assert row["model"] == first.model


def test_openai_backend_against_a_real_server(openai_settings_values, tmp_path) -> None:
    backend = get_backend(
        "openai", load_settings(data_dir=tmp_path / "d", **openai_settings_values)
    )
    _check_backend(backend, tmp_path)


def test_llama_cpp_backend_in_process(llama_available, tmp_path) -> None:
    backend = get_backend("llama-cpp", load_settings(data_dir=tmp_path / "d"))
    assert backend.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    _check_backend(backend, tmp_path)


def test_real_model_summaries_are_checked_and_paid_for_once(
    openai_settings_values, tmp_path
) -> None:
    """The whole summary path with a real (tiny) model: whatever it writes, a reader gets a
    faithful LLM summary or the extractive one, the outcome is recorded, and a rerun is free."""
    settings = load_settings(
        data_dir=tmp_path / "data",
        embed_backend="hashing",
        summary_backend="llm",
        llm_backend="openai",
        llm_max_tokens=200,
        **openai_settings_values,
    )
    store = Store.open(settings)
    ids = [make_story(store, FED, 1), make_story(store, TIKTOK, 10)]
    summarize_stories(store, get_summarizer("llm", settings), ids, clock=fixed_clock(T0))
    for sid in ids:
        story = store.get_story(sid)
        assert story.summary_backend in ("llm", "extractive") and story.headline
    calls = store.llm_spent(since=T0 - timedelta(days=1))
    assert calls.tokens > 0
    summarize_stories(
        store, get_summarizer("llm", settings), ids, clock=fixed_clock(T0 + timedelta(hours=1))
    )
    assert store.llm_spent(since=T0 - timedelta(days=1)) == calls
