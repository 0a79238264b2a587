"""Per-user lines (batched, shared prefix first, checked, budgeted) and ``aube cost``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from summarize.scripted_llm import FED, TIKTOK, install, make_story
from typer.testing import CliRunner

from aube.cli import app
from aube.clock import fixed_clock
from aube.compose.personal import write_personal_lines
from aube.config import load_settings
from aube.store import LlmCall, NewCard, NewEdition, Store

T0 = datetime(2025, 9, 18, 5, 0, tzinfo=UTC)


def _card(story_id: int, headline: str, interest: str) -> NewCard:
    return NewCard(
        kind="story",
        story_id=story_id,
        story_version=1,
        headline=headline,
        summary=f"{headline}. The Federal Reserve cut rates by a quarter point.",
        reason=f"You follow “{interest}”" if interest else "Top story today",
        interest_id=None,
        interest_label=interest,
        sources=[],
        changes=[],
        score=1.0,
    )


def _editions(store: Store) -> tuple[list[int], list[int]]:
    fed, tiktok = make_story(store, FED, 1), make_story(store, TIKTOK, 10)
    users = [store.add_user(h, now=T0).id for h in ("ana", "ben", "cy")]
    saved = store.save_editions(
        [
            NewEdition(
                users[0],
                "2025-09-18",
                [
                    _card(tiktok, "TikTok deal", "trade with China"),
                    _card(fed, "Fed cuts rates", "interest rates"),
                ],
                False,
            ),
            NewEdition(
                users[1],
                "2025-09-18",
                [_card(fed, "Fed cuts rates", "mortgages"), _card(tiktok, "TikTok deal", "")],
                False,
            ),
            NewEdition(
                users[2], "2025-09-18", [_card(fed, "Fed cuts rates", "the US economy")], False
            ),
        ],
        now=T0,
    )
    return [saved[u] for u in users], users


def test_lines_are_written_grouped_by_story_and_checked(tmp_path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data", llm_backend="scripted", personal_lines=True
    )
    store = Store.open(settings)
    editions, users = _editions(store)

    def answer(request) -> str:
        reader = request.messages[-1].content
        if "mortgages" in reader:  # an invented figure: dropped, the plain reason stays
            return json.dumps({"line": "Mortgage rates will fall 2% by Friday."})
        interest = reader.split("The reader follows: ")[1].split(".\n")[0]
        return json.dumps({"line": f"It bears on {interest}, which you follow."})

    backend = install(answer)
    report = write_personal_lines(store, settings, backend, editions, clock=fixed_clock(T0))
    # Cards with an interest get a line request; a "top story" card has none to explain.
    assert len(backend.requests) == 4
    stories = [r.story_id for r in backend.requests]
    assert stories == sorted(stories)  # readers of one story one after the other
    fed_prompts = [r.messages for r in backend.requests if "Fed cuts" in r.messages[1].content]
    shared = fed_prompts[0][1].content.split("The reader follows")[0]
    assert all(m[0] == fed_prompts[0][0] and m[1].content.startswith(shared) for m in fed_prompts)
    assert (report.lines, report.unfaithful) == (3, 1)
    ana = store.edition_cards([editions[0]])[editions[0]]
    assert [c.personal_line for c in ana] == [
        "It bears on trade with China, which you follow.",
        "It bears on interest rates, which you follow.",
    ]
    ben = store.get_edition(users[1], "2025-09-18")
    assert [c.personal_line for c in ben.cards] == ["", ""]
    rows = store.llm_usage("2025-09-18")
    lines = [r for r in rows if r["purpose"] == "personal-line"]
    assert {r["stage"] for r in lines} == {"per-user"} and sum(r["calls"] for r in lines) == 4
    assert {r["user_id"] for r in lines} == set(users)
    # A rerun pays for nothing already written.
    again = write_personal_lines(store, settings, backend, editions, clock=fixed_clock(T0))
    assert again.lines == 0 and len(backend.requests) == 5  # only ben's dropped line again


def test_readers_of_a_story_with_the_same_interest_share_one_call(tmp_path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data", llm_backend="scripted", personal_lines=True
    )
    store = Store.open(settings)
    fed = make_story(store, FED, 1)
    users = [store.add_user(f"reader{n}", now=T0).id for n in range(5)]
    labels = [
        "Interest rates",
        "interest rates",
        "interest rates",
        "the US economy",
        "interest rates",
    ]
    saved = store.save_editions(
        [
            NewEdition(u, "2025-09-18", [_card(fed, "Fed cuts rates", label)], False)
            for u, label in zip(users, labels, strict=True)
        ],
        now=T0,
    )
    backend = install(lambda request: json.dumps({"line": "The Fed cut rates by a quarter point."}))
    report = write_personal_lines(
        store, settings, backend, [saved[u] for u in users], clock=fixed_clock(T0)
    )
    assert (
        len(backend.requests) == report.calls == 2
    )  # "interest rates" once, "the US economy" once
    assert report.lines == 5
    lines = {c.personal_line for eid in saved.values() for c in store.edition_cards([eid])[eid]}
    assert lines == {"The Fed cut rates by a quarter point."}
    # A reader whose edition is built later (another time zone) reuses it, at no cost.
    late = store.add_user("late", now=T0).id
    later = store.save_editions(
        [NewEdition(late, "2025-09-18", [_card(fed, "Fed cuts rates", "interest rates")], False)],
        now=T0,
    )
    again = write_personal_lines(store, settings, backend, [later[late]], clock=fixed_clock(T0))
    assert (again.calls, again.reused, again.lines) == (0, 1, 1) and len(backend.requests) == 2


def test_the_budget_skips_lines_of_the_last_editions_first(tmp_path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data",
        llm_backend="scripted",
        personal_lines=True,
        llm_budget_tokens=20_000,
    )
    store = Store.open(settings)
    editions, _users = _editions(store)
    # The shared summaries already spent most of today's budget.
    store.record_llm_calls(
        [
            LlmCall(
                at=T0 - timedelta(hours=2),
                stage="shared",
                purpose="summary",
                backend="scripted",
                model="scripted-1",
                prompt_tokens=19_800,
                completion_tokens=0,
                seconds=1.0,
                story_id=None,
            )
        ]
    )
    backend = install(lambda request: json.dumps({"line": "It bears on what you follow."}))
    report = write_personal_lines(store, settings, backend, editions, clock=fixed_clock(T0))
    assert report.skipped_budget >= 1
    assert {r.edition_id for r in backend.requests} < set(editions)
    assert editions[-1] not in {r.edition_id for r in backend.requests}
    skipped = [
        r for r in store.llm_usage("2025-09-18") if r["purpose"] == "personal-line-skipped-budget"
    ]
    assert skipped and all(r["prompt_tokens"] == 0 for r in skipped)


def test_aube_cost_reports_the_day_and_projects_capacity(tmp_path) -> None:
    data = tmp_path / "data"
    store = Store.open(load_settings(data_dir=data))
    uid = store.add_user("ana", now=T0).id
    day = T0.date().isoformat()
    calls = [
        LlmCall(
            at=T0,
            stage="shared",
            purpose="summary",
            backend="llama-cpp",
            model="smol",
            prompt_tokens=600,
            completion_tokens=150,
            seconds=5.0,
        )
        for _ in range(4)
    ]
    calls.append(
        LlmCall(
            at=T0,
            stage="per-user",
            purpose="personal-line",
            backend="llama-cpp",
            model="smol",
            prompt_tokens=150,
            completion_tokens=25,
            seconds=1.0,
            user_id=uid,
        )
    )
    store.record_llm_calls(calls)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(data),
            "cost",
            "--day",
            day,
            "--server-tokens-per-s",
            "1000",
            "--users",
            "1000",
            "--price-per-hour",
            "4",
        ],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Model work on {day}" in out
    assert "3,000" in out  # shared tokens: 4 × 750
    assert "175" in out  # the one user's per-user tokens
    # 3,000 shared tokens = 3 s; 175 per user = 0.175 s; 1,000 users = 178 s.
    assert "users one server can brief per night: 123,411" in out
    assert "0.05 server-hours per night" in out and "0.20 at 4 per hour" in out
    empty = runner.invoke(app, ["--data-dir", str(tmp_path / "other"), "cost"])
    assert empty.exit_code == 0 and "No model calls recorded yet" in empty.output
