"""Where ``aube capacity`` gets its figures, most trusted first, each labelled:

- the per-user stage: a result file of ``bench/editions_throughput.py`` (measured: when, on
  what machine), else this installation's ``editions`` runs (measured here), else the
  project's published benchmark (assumed, with its source);
- the shared stage without the model: this installation's ``ingest`` and ``stories`` runs of
  the last day (measured here, less the model's time), else the day's items at the
  throughput of ``bench/pipeline_throughput.py`` (assumed);
- the model work: the cost ledger's typical night (measured here), else the token counts of
  ``bench/llm_cost.py`` scaled to the day's stories (assumed), or none when the settings use
  no model;
- a model server: a stated rate, a published GPU figure (projected), or the ledger's
  per-request rate (measured here: a floor, since a batched server does better).

A figure given on the command line is ``stated``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aube.clock import Clock
from aube.config import Settings
from aube.errors import InvalidInput
from aube.llm.capacity import PUBLISHED
from aube.llm.report import day_cost, typical_night
from aube.pipeline.capacity import Figure, Inputs
from aube.store import Store

MIN_EDITIONS = 100  # a smaller run measures its fixed costs more than its readers

# Defaults, each with where it comes from (docs/benchmarks.md has the commands).
BENCH_EDITIONS = Figure(
    966,
    "editions/s",
    "assumed",
    "the project's benchmark (docs/benchmarks.md, per-user stage, issue 3): "
    "bench/editions_throughput.py, 10,000 readers end to end on SQLite, 2,000 candidate "
    "stories, 2 vCPUs (Intel Xeon, bf16), median of 3",
)
BENCH_ITEMS_PER_S = 350.0  # bench/pipeline_throughput.py, docs/benchmarks.md (issue 2)
BENCH_ITEMS_SOURCE = (
    "bench/pipeline_throughput.py (docs/benchmarks.md, issue 2): 350 items/s parse → store "
    "→ embed (MiniLM, bf16) → cluster → extractive summaries, 2 vCPUs"
)
# bench/llm_cost.py (docs/benchmarks.md, issue 6): 35 stories of one real day summarized by
# SmolLM2-135M with the faithfulness check, retries and repairs: 12,374 prompt + 7,805
# completion tokens; per-user lines for 1,000 readers: 11,103 tokens.
STORY_PROMPT_TOKENS = 12_374 / 35
STORY_COMPLETION_TOKENS = 7_805 / 35
READER_LINE_TOKENS = 11_103 / 1_000
LLM_COST_SOURCE = "bench/llm_cost.py (docs/benchmarks.md, issue 6), SmolLM2-135M, 17 Sep 2025"
DAY_ITEMS = 2_500  # assumed day: 2,000 stories (the per-user benchmark's candidates)
DAY_STORIES = 2_000
DAY_SOURCE = (
    "assumed day: 2,000 stories (the candidates of bench/editions_throughput.py), 2,500 "
    "items (orx365's 1.24 items a story)"
)


def editions_from_bench(path: Path) -> Figure:
    """The end-to-end figure at the most readers in a result file of
    bench/editions_throughput.py; errors name the file and what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read the benchmark result {path}: {exc}") from None
    except ValueError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("benchmark") != "editions_throughput":
        raise InvalidInput(f"{path} is not a result file of bench/editions_throughput.py")
    rows = data.get("end_to_end")
    try:
        best = max(rows, key=lambda r: int(r["users"]))  # type: ignore[arg-type]
        rate, users = float(best["editions_per_s"]), int(best["users"])
    except (TypeError, ValueError, KeyError):
        raise InvalidInput(
            f"{path}: 'end_to_end' must list objects with 'users' and 'editions_per_s'"
        ) from None
    if rate <= 0:
        raise InvalidInput(f"{path}: editions_per_s must be positive, not {rate}")
    machine = data.get("machine") or {}
    where = (
        f"{machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores, "
        f"bf16 {machine.get('bf16', '?')}"
    )
    return Figure(
        rate,
        "editions/s",
        "measured",
        f"{path.name}: {data.get('command', 'bench/editions_throughput.py')}, {users:,} readers "
        f"end to end on {data.get('store', 'sqlite')}, on {where}, {data.get('measured_at', '?')}",
    )


def editions_from_runs(store: Store, now: datetime) -> Figure | None:
    """The largest ``editions`` run of the last 30 days without model work in it."""
    with store.read() as uow:
        done = uow.night_stats.finished_runs("editions", since=now - timedelta(days=30))
    usable = [
        r
        for r in done
        if int(r["counts"].get("built", 0)) >= MIN_EDITIONS
        and not r["counts"].get("personal_calls")
        and r["seconds"]
    ]
    if not usable:
        return None
    best = max(usable, key=lambda r: int(r["counts"]["built"]))
    built = int(best["counts"]["built"])
    return Figure(
        built / float(best["seconds"]),
        "editions/s",
        "measured",
        f"this installation's editions run of {best['started_at']:%Y-%m-%d %H:%M} UTC: "
        f"{built:,} editions in {float(best['seconds']):,.1f} s, on the machine that ran it",
    )


def shared_from_runs(store: Store, settings: Settings, now: datetime) -> Figure | None:
    """The last 24 hours of ``ingest`` and ``stories`` runs, less the model's time."""
    since = now - timedelta(hours=24)
    with store.read() as uow:
        stories = uow.night_stats.finished_runs("stories", since=since)
        ingest = uow.night_stats.finished_runs("ingest", since=since)
    if not stories:
        return None
    seconds = sum(float(r["seconds"]) for r in stories + ingest)
    model = store.llm_spent(since=since, stage="shared")
    note = ""
    if model.seconds:
        # Calls ran up to the backend's capacity at once: their summed seconds over it is
        # the model's share of the runs' wall time.
        parallel = max(_capacity(settings), 1)
        seconds = max(seconds - model.seconds / parallel, 0.0)
        note = f", less {model.seconds / parallel:,.1f} s of model time (ledger)"
    return Figure(
        seconds,
        "s",
        "measured",
        f"this installation's last 24 h: {len(ingest)} ingest and {len(stories)} stories "
        f"run(s){note}",
    )


def _capacity(settings: Settings) -> int:
    """Model requests the settings let run at once."""
    if settings.llm_backend != "openai":
        return 1
    per = settings.openai_concurrency
    total = per if settings.openai_base_url else 0
    total += sum(r.concurrency or per for r in settings.llm_serving.replicas)
    return max(total, 1)


def _day(store: Store, now: datetime) -> tuple[int, int]:
    with store.read() as uow:
        return (
            uow.night_stats.items_fetched(now - timedelta(hours=24), now),
            uow.night_stats.stories_seen(now - timedelta(hours=24), now),
        )


def gather(
    store: Store,
    settings: Settings,
    *,
    clock: Clock,
    bench: Path | None = None,
    shared_seconds: float | None = None,
    server_tokens_per_s: float | None = None,
    gpu: str | None = None,
    llm_summaries: bool | None = None,
    personal_lines: bool | None = None,
) -> Inputs:
    """The capacity inputs from what was given, measured, assumed and published."""
    now = clock()
    editions = (
        editions_from_bench(bench)
        if bench is not None
        else editions_from_runs(store, now) or BENCH_EDITIONS
    )
    items, stories = _day(store, now)
    day_items = (
        Figure(items, "items", "measured", "items fetched here in the last 24 h")
        if items
        else Figure(DAY_ITEMS, "items", "assumed", DAY_SOURCE)
    )
    day_stories = (
        Figure(stories, "stories", "measured", "stories seen here in the last 24 h")
        if stories
        else Figure(DAY_STORIES, "stories", "assumed", DAY_SOURCE)
    )
    if shared_seconds is not None:
        shared = Figure(shared_seconds, "s", "stated", "--shared-seconds")
    else:
        shared = shared_from_runs(store, settings, now) or Figure(
            day_items.value / BENCH_ITEMS_PER_S,
            "s",
            "assumed",
            f"{day_items.value:,.0f} items ({day_items.label}) at {BENCH_ITEMS_SOURCE}",
        )

    summaries = settings.summary_backend == "llm" if llm_summaries is None else llm_summaries
    lines = settings.personal_lines if personal_lines is None else personal_lines
    days = store.llm_days(limit=7)
    reports = [day_cost(d, store.llm_usage(d)) for d in days]
    work = typical_night(reports)
    had_shared = any(r.shared.calls for r in reports)
    had_lines = any(r.per_user.calls for r in reports)
    ledger = f"the cost ledger's typical night over {len(days)} day(s) with model calls"
    zero = Figure(0, "tokens", "stated", "")
    if not summaries:
        shared_p = shared_c = Figure(0, "tokens", "stated", "no LLM summaries (extractive)")
    elif had_shared:
        shared_p = Figure(work.shared_prompt, "tokens", "measured", ledger)
        shared_c = Figure(work.shared_completion, "tokens", "measured", ledger)
    else:
        scaled = f"{LLM_COST_SOURCE}, per story, × {day_stories.value:,.0f} stories ({day_stories.label})"
        shared_p = Figure(STORY_PROMPT_TOKENS * day_stories.value, "tokens", "assumed", scaled)
        shared_c = Figure(STORY_COMPLETION_TOKENS * day_stories.value, "tokens", "assumed", scaled)
    if not lines:
        reader_p = reader_c = Figure(0, "tokens", "stated", "per-user lines off")
    elif had_lines:
        reader_p = Figure(work.user_prompt, "tokens", "measured", ledger)
        reader_c = Figure(work.user_completion, "tokens", "measured", ledger)
    else:
        reader_p = Figure(
            READER_LINE_TOKENS,
            "tokens",
            "assumed",
            f"{LLM_COST_SOURCE}: lines for 1,000 readers, prompt and completion together "
            "(they are shared across readers of one story and topic, so this falls with more)",
        )
        reader_c = zero

    server = _server(store, now, server_tokens_per_s, gpu)
    return Inputs(editions, shared, shared_p, shared_c, reader_p, reader_c, server)


def _server(store: Store, now: datetime, stated: float | None, gpu: str | None) -> Figure:
    if stated is not None:
        if stated <= 0:
            raise InvalidInput("--server-tokens-per-s must be positive")
        return Figure(stated, "tokens/s", "stated", "--server-tokens-per-s")
    if gpu is not None:
        return published(gpu)
    spent = store.llm_spent(since=now - timedelta(days=7))
    if spent.tokens and spent.seconds:
        return Figure(
            spent.tokens / spent.seconds,
            "tokens/s",
            "measured",
            "the cost ledger's last 7 days, tokens over call seconds: one request's rate, a "
            "floor for a server that batches",
        )
    return published("h100")


def published(gpu: str) -> Figure:
    try:
        found = PUBLISHED[gpu]
    except KeyError:
        raise InvalidInput(
            f"unknown --gpu {gpu!r}; known: {', '.join(sorted(PUBLISHED))}"
        ) from None
    return Figure(found.tokens_per_s, "tokens/s", "projected", f"{found.name}: {found.source}")


def describe(figure: Figure) -> dict[str, Any]:
    return {
        "value": figure.value,
        "unit": figure.unit,
        "label": figure.label,
        "source": figure.source,
    }
