"""The openai backend over several replicas, against scripted servers on 127.0.0.1: requests
spread within each replica's limit, garbage and dead replicas taken out with a clear
reason while the batch completes on the others, a replica put back when it answers again,
the events in the cost ledger and the run record, and never an answer's text in them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from scripted_llm import ScriptedServer, free_port
from support import NOW

from aube.clock import fixed_clock
from aube.llm.base import ChatRequest, Message
from aube.llm.ledger import Metered
from aube.llm.openai_compat import OpenAICompatBackend
from aube.pipeline.runs import recorded
from aube.store import Store


def _requests(n: int, text: str = "hello") -> list[ChatRequest]:
    return [
        ChatRequest((Message("user", f"{text} {i}"),), max_tokens=8, purpose="t") for i in range(n)
    ]


def _backend(urls, **kw) -> tuple[OpenAICompatBackend, list[float]]:  # type: ignore[no-untyped-def]
    slept: list[float] = []
    kw.setdefault("timeout", 5)
    kw.setdefault("backoff", 0.5)
    backend = OpenAICompatBackend(urls, model="m", sleep=slept.append, **kw)
    return backend, slept


def test_requests_run_concurrently_within_each_replicas_limit() -> None:
    with (
        ScriptedServer(delay=0.05) as a,
        ScriptedServer(delay=0.05) as b,
        ScriptedServer(delay=0.05) as c,
    ):
        backend, _ = _backend([(a.url, 1), (b.url, 2), (c.url, 4)])
        assert backend.parallel == 7
        results = backend.complete(_requests(42))
        assert all(r.ok for r in results)
        assert (a.requests, b.requests, c.requests) != (42, 0, 0)
        assert a.requests + b.requests + c.requests == 42
        for server, limit in ((a, 1), (b, 2), (c, 4)):
            assert 1 <= server.peak <= limit
        assert a.peak + b.peak + c.peak > 3  # concurrent, not one request after another
        served = {s["url"]: s["served"] for s in backend.pool.status()}
        assert served == {a.url: a.requests, b.url: b.requests, c.url: c.requests}
        assert {r.meta["replica"] for r in results} == {a.url, b.url, c.url}


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("not-json", "not JSON, 35 characters of text/html"),
        ("wrong-schema", "JSON of the wrong shape: choices: Field required"),
        ("http-500", "answered HTTP 500"),
        ("hang", "no answer within 1 s (llm_timeout)"),
    ],
)
def test_a_replica_answering_garbage_is_taken_out_and_the_batch_completes(
    mode: str, said: str
) -> None:
    with ScriptedServer(mode) as bad, ScriptedServer() as good:
        backend, slept = _backend(
            [(bad.url, 2), (good.url, 2)], timeout=1, retries=2, down_after_failures=2
        )
        results = backend.complete(_requests(12))
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        assert {r.meta["replica"] for r in results} == {good.url}
        assert slept == []  # every retry went to the other replica at once
        [event] = backend.events()
        assert event.kind == "down" and event.url == bad.url
        assert said in event.message and "2 failures in a row" in event.message
        # Out after its second failure in a row; with two slots, one more request may have
        # been on its way when the second came back. Never asked again after.
        assert 2 <= bad.requests <= 3
        state = {s["url"]: s for s in backend.pool.status()}
        assert not state[bad.url]["up"] and state[good.url]["up"]


def test_a_refused_connection_or_a_failed_health_check_takes_a_replica_out_at_once() -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    with ScriptedServer() as good, ScriptedServer(model="other-model") as wrong:
        backend, slept = _backend([dead, wrong.url, good.url])
        results = backend.complete(_requests(6))
        assert all(r.ok and r.meta["replica"] == good.url for r in results)
        events = {e.url: e.message for e in backend.events()}
        assert "health check" in events[dead] and "onnect" in events[dead]
        assert "serves other-model, not m" in events[wrong.url]
        assert wrong.requests == 0 and slept == []


def test_when_every_replica_is_out_requests_fail_at_once_naming_each() -> None:
    dead = [f"http://127.0.0.1:{free_port()}/v1" for _ in range(2)]
    backend, slept = _backend(dead)
    results = backend.complete(_requests(3))
    assert not any(r.ok for r in results)
    for r in results:
        assert r.error.startswith("every model replica is out: ")
        assert dead[0] in r.error and dead[1] in r.error
    assert slept == []


def test_a_replica_taken_out_is_checked_again_and_put_back() -> None:
    now = [0.0]
    with ScriptedServer("http-500") as flaky, ScriptedServer() as good:
        backend, _ = _backend(
            [(flaky.url, 1), (good.url, 1)],
            down_after_failures=1,
            recheck_seconds=30,
            monotonic=lambda: now[0],
        )
        assert all(r.ok for r in backend.complete(_requests(4)))
        assert [e.kind for e in backend.events()] == ["down"]
        flaky.mode = "ok"
        now[0] = 10.0  # before the recheck: still out
        backend.complete(_requests(4))
        assert flaky.requests == 1
        now[0] = 31.0
        flaky.models_status = 503  # the check fails: out for another 30 s
        backend.complete(_requests(2))
        assert flaky.requests == 1 and backend.events() == []
        now[0] = 62.0  # the check failed again at 31 s: the next one waits twice as long
        flaky.models_status = 200
        backend.complete(_requests(2))
        assert flaky.requests == 1 and backend.events() == []
        now[0] = 92.0
        results = backend.complete(_requests(8))
        assert all(r.ok for r in results)
        [event] = backend.events()
        assert event.kind == "up" and "after 92 s out" in event.message
        assert flaky.requests > 1


def test_a_single_busy_replica_is_retried_with_backoff_and_kept() -> None:
    with ScriptedServer("http-500") as only:
        backend, slept = _backend([only.url], retries=2, backoff=0.5, down_after_failures=3)
        [result] = backend.complete(_requests(1))
        assert not result.ok and "answered 500" in result.error and "out of memory" in result.error
        assert slept == [0.5, 1.0] and only.requests == 3
        [event] = backend.events()  # three in a row: out
        assert "3 failures in a row, the last: answered HTTP 500" in event.message


def test_replica_events_go_to_the_ledger_and_the_run_record(any_store: Store) -> None:
    store = any_store
    with ScriptedServer("not-json") as bad, ScriptedServer() as good:
        backend, _ = _backend([bad.url, good.url], down_after_failures=1)
        metered = Metered(backend, store, clock=fixed_clock(NOW))
        with recorded(store, "stories", clock=fixed_clock(NOW)) as counts:
            assert all(r.ok for r in metered.complete(_requests(5)))
            counts.notes.extend(metered.events)
    [run] = store.list_runs(job="stories")
    assert run.status == "ok"
    assert run.error is not None and f"model replica {bad.url} taken out" in run.error
    day = NOW.date().isoformat()
    with store.read() as uow:
        usage = {r["replica"]: r for r in uow.llm_replicas.usage(day)}
        events = uow.llm_replicas.events(day)
    assert usage[good.url]["answered"] == 5 and bad.url not in usage
    assert usage[good.url]["prompt_tokens"] == 5 * 11
    [(_at, replica, note)] = events
    assert replica == bad.url and "not chat completions (not JSON" in note
    # The event row is not a call: the day's calls and tokens are the five answers.
    assert store.llm_spent(since=NOW).calls == 6 and store.llm_spent(since=NOW).tokens == 70


def test_an_answer_that_echoes_a_private_prompt_never_reaches_the_record(
    any_store: Store,
) -> None:
    store = any_store
    canary = "CANARY-ana-private-7f3e"  # a reader's private words, in her prompt
    with ScriptedServer("echo-not-json") as echo, ScriptedServer() as good:
        backend, _ = _backend([echo.url, good.url], down_after_failures=1)
        metered = Metered(backend, store, clock=fixed_clock(NOW))
        with recorded(store, "editions", clock=fixed_clock(NOW)) as counts:
            request = ChatRequest(
                (Message("user", f"Why would ana care? She wrote: {canary}"),),
                max_tokens=8,
                stage="per-user",
                purpose="personal-line",
            )
            results = metered.complete([request] * 4)
            counts.notes.extend(metered.events)
        assert all(r.ok for r in results) and echo.requests >= 1  # it saw the prompt, and echoed it
    [run] = store.list_runs(job="editions")
    assert run.error and "taken out" in run.error and canary not in run.error
    with store.read() as uow:
        events = uow.llm_replicas.events(NOW.date().isoformat())
    assert events and all(canary not in note for _, _, note in events)


def test_a_night_with_every_replica_out_is_retried_the_next_night(tmp_path) -> None:
    """Stories summarized while no replica answered get the extractive summary for now, not
    for good: the next night, with a replica back, they get their LLM summary."""
    import json

    from summarize.scripted_llm import FED, T0, make_story

    from aube.config import load_settings
    from aube.summarize.base import get_summarizer
    from aube.summarize.stage import summarize_stories

    dead = f"http://127.0.0.1:{free_port()}/v1"
    values = {
        "data_dir": tmp_path / "data",
        "embed_backend": "hashing",
        "summary_backend": "llm",
        "llm_backend": "openai",
        "openai_model": "m",
        "llm_backoff": 0,
    }
    settings = load_settings(openai_base_url=dead, **values)
    store = Store.open(settings)
    fed = make_story(store, FED, 1)
    night = summarize_stories(store, get_summarizer("llm", settings), [fed], clock=fixed_clock(T0))
    assert night.summarized == 1 and "taken out" in night.notes[0]
    assert store.get_story(fed).summary_backend == "extractive"
    with ScriptedServer() as back:
        back.answer = json.dumps(
            {
                "headline": "Federal Reserve cuts rates by a quarter point",
                "sentences": [
                    "The Federal Reserve lowered its benchmark rate to a range of 4% to 4.25%.",
                    "Fed officials voted 11-1, and Stephen Miran dissented.",
                ],
                "key_points": [],
            }
        )
        later = load_settings(openai_base_url=back.url, **values)
        summarize_stories(
            store, get_summarizer("llm", later), [fed], clock=fixed_clock(T0 + timedelta(days=1))
        )
        assert back.requests >= 1
    story = store.get_story(fed)
    assert story.summary_backend == "llm" and story.headline.startswith("Federal Reserve cuts")
