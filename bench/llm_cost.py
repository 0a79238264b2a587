"""What a night of LLM work costs: Aube's way (summaries once per story, short per-user
lines) against the per-user-agent way (each user's model reads their candidate stories
and writes their cards), on one real day of news, with SmolLM2-135M on this machine.

    .venv/bin/python bench/llm_cost.py [--day 2025-09-17] [--agent-users 3]

Everything is measured with real token counts from the cost ledger:

1. Aube: the day's items are ingested into a fresh store, clustered (MiniLM), and every
   story is summarized once with the LLM (faithfulness check, retry, fallback included).
   Then 10, 100 and 1,000 users, each with three topics typed from a list of twelve, get
   their editions and per-user lines, for real, at each size. A line is written once per
   (story version, interest label) and shared by every reader with that label, so the
   per-user part grows with the number of distinct (story, topic) pairs, not of users.
2. The agent way: for ``--agent-users`` users the model really reads every report of the
   user's candidate stories plus the user's interests and writes their cards; the mean per
   user is multiplied by N (linear by construction: each user is a separate agent run).
3. The ratio of 2 to 1 at 10, 100 and 1,000 users, with per-user lines off (the default)
   and on. Then SmolLM2's prompt and generation tokens/s here, and a projection for one
   H200-class server from published figures (stated as assumptions, with their sources).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field

from aube.clock import fixed_clock
from aube.config import load_settings
from aube.enrich.factory import embedder_for
from aube.ingest.normalize import content_hash
from aube.llm.base import ChatRequest, Message, get_backend
from aube.llm.capacity import Throughput, Work, project
from aube.llm.report import day_cost
from aube.llm.structured import ask, schema_of
from aube.pipeline.editions import editions
from aube.pipeline.shared import process
from aube.signals.service import add_topics
from aube.store import Store
from aube.types import NewItem

REPO = Path(__file__).resolve().parents[1]
ITEMS = REPO.parent / "shared" / "data" / "rss_archive_orx365" / "items.jsonl"
PUBLISHERS = {
    "ft-home.xml": "Financial Times",
    "wsj_world.xml": "WSJ World News",
    "wsj_econ.xml": "WSJ Economy",
    "economist.xml": "The Economist",
    "nyt_econ.xml": "NYT Economy",
    "atlantic.xml": "The Atlantic",
}
TOPICS = [
    "interest rates and the Federal Reserve",
    "US-China trade and tariffs",
    "the war in Ukraine",
    "oil and energy prices",
    "artificial intelligence",
    "the stock market",
    "the Middle East",
    "European politics",
    "UK economy",
    "jobs and the labour market",
    "technology companies",
    "inflation",
]
SIZES = (10, 100, 1000)
# Published H200 figures used for the projection (assumptions, quoted from memory of the
# public sources named; check them before relying on the result):
H200 = {
    # MLPerf Inference v4.0 (March 2024), NVIDIA's submission: Llama 2 70B, offline
    # scenario, 8x H200 ~ 31,700 tokens/s in all, so ~3,960 tokens/s per GPU.
    "70B-class (MLPerf v4.0, Llama 2 70B offline, per GPU)": Throughput(3_960),
    # NVIDIA TensorRT-LLM performance overview: Llama 3.1 8B, FP8, one H200, short
    # input/output lengths: on the order of 25,000 generated tokens/s. Prefill assumed
    # 10x faster (prompt processing is compute-bound and batched, decoding is not).
    "8B-class (TensorRT-LLM overview, Llama 3.1 8B FP8, 1 GPU)": Throughput(25_000, 250_000),
}


class AgentCard(BaseModel):
    headline: str = Field(max_length=100)
    summary: str = Field(max_length=300)
    why: str = Field(max_length=150)


class AgentAnswer(BaseModel):
    cards: list[AgentCard] = Field(max_length=8)


def _plain(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup or "")).split())


def _machine() -> str:
    try:
        cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        name = cpu.group(1).strip() if cpu else "unknown CPU"
    except OSError:
        name = "unknown CPU"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, {name}; load average {load} (other work shares this machine)"


def load_day(store: Store, day: str) -> int:
    rows = [r for r in map(json.loads, ITEMS.open(encoding="utf-8")) if r["pub_date"][:10] == day]
    now = datetime.fromisoformat(f"{day}T23:59:00+00:00")
    sources = {}
    for feed, name in PUBLISHERS.items():
        sources[feed], _ = store.add_source(f"https://{feed}.example/feed", now=now, title=name)
    new = []
    for r in rows:
        title, text = _plain(r["title"]), _plain(r["summary"])
        new.append(
            NewItem(
                source_id=sources[r["feed_file"]].id,
                guid=r["guid"],
                url=r["url"],
                title=title,
                summary=text,
                text=text,
                html="",
                author=r.get("author"),
                published_at=datetime.fromisoformat(r["pub_date"]).astimezone(UTC),
                fetched_at=now,
                lang="en",
                content_hash=content_hash(title, text),
            )
        )
    return len(store.insert_items(new).inserted)


def measure_rates(settings) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """SmolLM2 prompt and generation tokens/s, here, one request at a time, no grammar, from
    llama.cpp's own counters (the best of three runs: other work shares this machine)."""
    import llama_cpp.llama_cpp as lib

    backend = get_backend("llama-cpp", settings)
    ctx = backend._llama._ctx.ctx
    text = " ".join(
        ["The central bank held rates steady as inflation eased and hiring slowed."] * 40
    )
    prompt_rates, gen_rates = [], []
    for n, word in enumerate(("One", "Two", "Three", "Four")):
        # A different first word each time: llama.cpp reuses the cache of a shared prefix,
        # which would make prompt processing look free.
        lib.llama_perf_context_reset(ctx)
        backend.complete([ChatRequest((Message("user", f"{word}. {text}\nSummarize."),), 128)])
        perf = lib.llama_perf_context(ctx)
        if n == 0:
            continue  # warm-up
        prompt_rates.append(perf.n_p_eval / (perf.t_p_eval_ms / 1000))
        gen_rates.append(perf.n_eval / (perf.t_eval_ms / 1000))
    return max(prompt_rates), max(gen_rates)


def agent_run(
    store: Store,
    backend,
    user,
    topics: list[str],
    morning: datetime,  # type: ignore[no-untyped-def]
    window_hours: float,
    model: str,
    max_tokens: int,
) -> tuple[int, int, float, bool]:
    """The per-user-agent way for one user: read every report of the user's candidate
    stories, write the user's cards. Returns prompt tokens, completion tokens, seconds, ok."""
    candidates = store.ranking_candidates(
        since=morning - timedelta(hours=window_hours), until=morning, model=model
    )
    subs = store.subscription_map([user.id]).get(user.id, frozenset())
    ids = [c.id for c in candidates if c.sources & subs]
    stories = store.get_stories(ids)
    items = store.get_items([i.item_id for s in stories for i in s.items])
    reports = "\n".join(f"- {i.publisher or 'a publisher'}: {i.title}. {i.summary}" for i in items)
    request = ChatRequest(
        (
            Message(
                "system",
                "You are a personal news agent. From today's reports, pick the "
                "stories that matter most to your reader and write their cards.",
            ),
            Message(
                "user",
                f"The reader follows: {'; '.join(topics)}.\n\nToday's reports:\n"
                f"{reports}\n\nWrite up to {user.edition_size} cards as JSON: "
                "headline, a 2-3 sentence summary, and why it matters to the reader.",
            ),
        ),
        max_tokens=max_tokens,
        schema=schema_of(AgentAnswer),
        stage="per-user",
        purpose="agent",
        user_id=user.id,
    )
    [answer] = ask(backend, [request], AgentAnswer, repair=False)
    call = answer.calls[0]
    return call.prompt_tokens, call.completion_tokens, call.seconds, answer.value is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--day", default="2025-09-17")
    parser.add_argument("--agent-users", type=int, default=3)
    parser.add_argument("--agent-max-tokens", type=int, default=720)
    args = parser.parse_args()
    if not ITEMS.is_file():
        raise SystemExit(f"{ITEMS} is absent: this benchmark needs ../shared/data")
    random.seed(7)
    folder = Path(tempfile.mkdtemp(prefix="aube-llm-cost-"))
    settings = load_settings(
        data_dir=folder,
        embed_backend="minilm",
        summary_backend="llm",
        llm_backend="llama-cpp",
        llm_context=8192,
        personal_lines=True,
    )
    store = Store.open(settings)
    print(f"machine   {_machine()}")
    prompt_tps, gen_tps = measure_rates(settings)
    print(
        f"model     SmolLM2-135M-Instruct Q4_1 (llama-cpp-python, in process, {os.cpu_count()} "
        f"threads): prompt {prompt_tps:,.0f} tokens/s, generation {gen_tps:,.0f} tokens/s "
        "(one request at a time, unconstrained)"
    )
    loaded = load_day(store, args.day)
    night = datetime.fromisoformat(f"{args.day}T23:59:00+00:00")
    started = time.perf_counter()
    shared = process(store, settings, clock=fixed_clock(night))
    shared_wall = time.perf_counter() - started
    day_key = night.date().isoformat()
    print(
        f"data      {loaded} real items of {args.day} (orx365: FT, WSJ, Economist, NYT) -> "
        f"{store.count_stories()} stories; summarized {shared.summaries.summarized} in {shared_wall:,.0f} s"
    )

    # Faithfulness outcomes, from the summaries' meta.
    from sqlalchemy import select

    from aube.store.schema import stories as stories_t
    from aube.store.schema import summaries as summaries_t

    with store.engine.connect() as conn:
        metas = list(
            conn.execute(
                select(summaries_t.c.meta).join(
                    stories_t, stories_t.c.summary_key == summaries_t.c.key
                )
            ).scalars()
        )
    outcome = Counter()
    for m in metas:
        if m.get("faithful") and not m.get("retried"):
            outcome["faithful at once"] += 1
        elif m.get("faithful"):
            outcome["faithful after the retry"] += 1
        else:
            outcome[f"extractive fallback ({m.get('fallback')})"] += 1
    print(
        "faithful  "
        + ", ".join(f"{k}: {v}" for k, v in sorted(outcome.items()))
        + f" (of {len(metas)} stories)"
    )

    # Per-user lines for real users with real interests, measured at every size: readers of
    # one story who follow the same (typed) topic share one call, so the count of calls is
    # whatever the editions of N users need, not N times a constant.
    embedder = embedder_for(settings)
    morning = datetime.fromisoformat(f"{args.day}T23:59:00+00:00") + timedelta(hours=7)
    users, interests = [], {}
    for n in range(max(max(SIZES), args.agent_users)):
        user = store.add_user(f"reader{n}", now=night, morning_time="07:00")
        topics = random.sample(TOPICS, 3)
        add_topics(store, embedder, user, topics, now=night)
        users.append(user)
        interests[user.id] = topics
    day_after = morning.date().isoformat()
    per_size: dict[
        int, tuple[int, int, int, float, int]
    ] = {}  # N → (prompt, completion, calls, seconds, cards)
    done = 0
    cards = 0
    for size in SIZES:
        started = time.perf_counter()
        built = editions(
            store,
            settings,
            clock=fixed_clock(morning),
            day=day_after,
            user_ids=[u.id for u in users[done:size]],
        )
        cards += built.cards
        done = size
        cost = day_cost(day_after, store.llm_usage(day_after))
        per_size[size] = (
            cost.per_user.prompt_tokens,
            cost.per_user.completion_tokens,
            cost.per_user.calls,
            cost.per_user.seconds,
            cards,
        )
        print(
            f"editions  {size:>5} users: {cards} cards; per-user lines so far: "
            f"{cost.per_user.calls} calls, {cost.per_user.tokens:,} tokens, "
            f"{cost.per_user.seconds:,.0f} s ({time.perf_counter() - started:,.0f} s wall for this step)"
        )
    # The per-user-agent way, for real, for a few users.
    # Not in Aube's ledger (it is not Aube's work): counted from the calls themselves.
    agent_backend = get_backend("llama-cpp", settings)
    agent = [
        agent_run(
            store,
            agent_backend,
            u,
            interests[u.id],
            morning,
            settings.edition_window_hours,
            embedder.name,
            args.agent_max_tokens,
        )
        for u in users[: args.agent_users]
    ]
    a_prompt = sum(a[0] for a in agent) / len(agent)
    a_completion = sum(a[1] for a in agent) / len(agent)
    a_seconds = sum(a[2] for a in agent) / len(agent)
    a_ok = sum(a[3] for a in agent)

    shared_cost = day_cost(day_key, store.llm_usage(day_key))
    s_tokens, s_seconds = shared_cost.shared.tokens, shared_cost.shared.seconds
    print()
    print(
        f"Aube, shared (once for everyone): {shared_cost.shared.calls} calls, "
        f"{shared_cost.shared.prompt_tokens:,} prompt + {shared_cost.shared.completion_tokens:,} "
        f"completion tokens, {s_seconds:,.0f} s"
    )
    print(
        f"Agent, per user (measured on {len(agent)} users, {a_ok} valid answers): "
        f"{a_prompt:,.0f} prompt + {a_completion:,.0f} completion tokens, {a_seconds:,.1f} s"
    )
    print()
    print(
        "users   Aube tokens (lines off / on)   Aube s (off / on)   agent tokens   agent s  "
        " ratio tokens (off / on)   ratio s (off / on)"
    )
    for n in SIZES:
        line_prompt, line_completion, _calls, line_seconds, _cards = per_size[n]
        line_tokens = line_prompt + line_completion
        off_t, on_t = s_tokens, s_tokens + line_tokens
        off_s, on_s = s_seconds, s_seconds + line_seconds
        ag_t, ag_s = n * (a_prompt + a_completion), n * a_seconds
        print(
            f"{n:>5}   {off_t:>12,.0f} / {on_t:>12,.0f}   {off_s:>7,.0f} / {on_s:>8,.0f}   "
            f"{ag_t:>12,.0f}   {ag_s:>8,.0f}   {ag_t / off_t:>8,.1f}x / {ag_t / on_t:>6,.1f}x"
            f"   {ag_s / off_s:>7,.1f}x / {ag_s / on_s:>6,.1f}x"
        )
    print(
        "(Aube: measured at each size, its lines run for real for every user. The agent: run "
        f"for real for {len(agent)} users and multiplied by N — linear by construction.)"
    )
    top = max(SIZES)
    work = Work(
        shared_cost.shared.prompt_tokens,
        shared_cost.shared.completion_tokens,
        per_size[top][0] / top,
        per_size[top][1] / top,
    )
    print()
    print(
        "One H200-class server, from published throughput (assumptions; see H200 in this "
        "file), a 6-hour night, for the token counts measured above:"
    )
    agent_work = Work(0, 0, a_prompt, a_completion)
    for label, tp in H200.items():
        for name, w in (
            ("Aube, lines off", Work(work.shared_prompt, work.shared_completion, 0, 0)),
            ("Aube, lines on", work),
            ("agent", agent_work),
        ):
            p = project(w, tp, users=1000, night_hours=6)
            per = (
                "no per-user limit"
                if p.users_per_server_night is None
                else f"{p.users_per_server_night:,} users per night"
            )
            print(
                f"  {label}: {name:<16} {per:>26}; 1,000 users: {p.server_hours * 60:,.2f} "
                f"GPU-minutes per night"
            )
    store.close()


if __name__ == "__main__":
    main()
