"""Several real llama.cpp servers (SmolLM2 through llama_cpp.server, each started here on
127.0.0.1 with one thread): a batch spreads over them and completes when one is killed in
the middle of it; the shared stage's night completes on the healthy replica when another
answers garbage, and its run record says which replica was taken out and why."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from scripted_llm import ScriptedServer, free_port
from summarize.scripted_llm import FED, T0, TIKTOK

from aube.clock import fixed_clock
from aube.config import load_settings
from aube.llm.base import ChatRequest, Message
from aube.llm.openai_compat import OpenAICompatBackend
from aube.pipeline.shared import process
from aube.store import Store
from aube.types import NewItem

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _model_id() -> str:
    """What llama_cpp.server lists as its model: the path it was given."""
    from aube.llm.llamacpp import default_model_path

    return str(default_model_path())


class LlamaServer:
    """One llama_cpp.server process owned by the test (so that it can be killed)."""

    def __init__(self, folder: Path) -> None:
        from aube.llm.llamacpp import default_model_path

        port = free_port()
        self.url = f"http://127.0.0.1:{port}/v1"
        self.log = (folder / f"llama-{port}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aube.llm.server", "--model", str(default_model_path())]
            + ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
            + ["--n_threads", "1", "--n_threads_batch", "1"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {(folder / self.log.name).read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail("llama_cpp.server did not answer within 120 s")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture(scope="module")
def llama_replicas(tmp_path_factory: pytest.TempPathFactory, llama_available) -> Iterator[list]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("replicas")
    servers: list[LlamaServer] = []
    try:
        for _ in range(2):
            servers.append(LlamaServer(folder))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _requests(n: int) -> list[ChatRequest]:
    return [
        ChatRequest(
            (
                Message("system", "Answer in a few words."),
                Message("user", f"Name a colour, number {i}."),
            ),
            max_tokens=12,
        )
        for i in range(n)
    ]


def test_a_batch_spreads_over_real_replicas_and_completes_when_one_is_killed(
    llama_replicas, tmp_path
) -> None:
    victim = LlamaServer(tmp_path)  # its own: this test kills it
    try:
        survivors = [s.url for s in llama_replicas]
        backend = OpenAICompatBackend(
            [(victim.url, 1)] + [(u, 1) for u in survivors], timeout=60, retries=2
        )
        assert backend.model == _model_id()
        results: list = []
        worker = threading.Thread(target=lambda: results.extend(backend.complete(_requests(12))))
        worker.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # kill it once it has answered, mid-batch
            [first] = [s for s in backend.pool.status() if s["url"] == victim.url]
            if first["served"] >= 1:
                break
            time.sleep(0.05)
        victim.kill()
        worker.join(300)
        assert not worker.is_alive()
    finally:
        victim.stop()
    assert len(results) == 12
    assert all(r.ok and r.text for r in results), [r.error for r in results if not r.ok]
    by_replica = {u: sum(r.meta["replica"] == u for r in results) for u in [victim.url, *survivors]}
    assert by_replica[victim.url] >= 1  # it did work before it died
    assert all(by_replica[u] >= 1 for u in survivors)  # the batch was spread
    assert by_replica[victim.url] < 12
    events = backend.events()
    assert [e.url for e in events if e.kind == "down"] == [victim.url]
    assert "cannot connect" in events[0].message or "health check" in events[0].message


def _items(store: Store) -> None:
    for n, (publisher, title, text) in enumerate(FED + TIKTOK, start=1):
        source, _ = store.add_source(
            f"https://{publisher.lower()}.example/feed", now=T0, title=publisher
        )
        store.insert_items(
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
        )


def test_the_night_completes_on_the_healthy_replica_when_another_answers_garbage(
    llama_replicas, tmp_path
) -> None:
    with ScriptedServer("wrong-schema", model=_model_id()) as garbage:
        settings = load_settings(
            data_dir=tmp_path / "data",
            embed_backend="hashing",
            summary_backend="llm",
            llm_backend="openai",
            llm_max_tokens=160,
            openai_base_url=garbage.url,
            openai_concurrency=1,
            llm_serving={
                "replicas": [llama_replicas[0].url],
                "down_after_failures": 1,
                "recheck_seconds": 3600,  # not back within the test, however slow it runs
            },
        )
        store = Store.open(settings)
        _items(store)
        result = process(store, settings, clock=fixed_clock(T0 + timedelta(hours=1)))
    ids = store.recent_story_ids(T0 - timedelta(days=1))
    assert len(ids) >= 2 and result.summaries.summarized == len(ids)
    for story in store.get_stories(ids, with_items=False):
        assert story.headline and story.summary_backend in ("llm", "extractive")
    [run] = store.list_runs(job="stories")
    assert run.status == "ok" and run.counts["llm_replica_events"] == 1
    assert run.error == (
        f"model replica {garbage.url} taken out: answers that "
        "are not chat completions (JSON of the wrong shape: choices: Field required)"
    )
    day = (T0 + timedelta(hours=1)).date().isoformat()
    with store.read() as uow:
        usage = {r["replica"]: r for r in uow.llm_replicas.usage(day)}
    assert usage[llama_replicas[0].url]["answered"] >= 2 and garbage.url not in usage
    assert garbage.requests == 1
