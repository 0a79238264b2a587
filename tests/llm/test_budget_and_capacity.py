"""The budget guard's order of degradation, and the capacity arithmetic."""

import math

import pytest

from aube.llm.budget import Budget, Cost, plan_night
from aube.llm.capacity import Throughput, Work, project, ratio
from aube.llm.report import day_cost

STORIES = [(1, Cost(1000)), (2, Cost(1000)), (3, Cost(1000))]  # best ranked first
EDITIONS = [(10, 100, Cost(200)), (11, 101, Cost(200)), (12, 102, Cost(200))]


def test_no_budget_or_room_to_spare_changes_nothing() -> None:
    for budget in (Budget(), Budget(tokens=10_000)):
        plan = plan_night(budget, Cost(), STORIES, EDITIONS)
        assert plan.llm_stories == (1, 2, 3) and plan.line_editions == (10, 11, 12)
        assert not plan.degraded


def test_per_user_lines_go_first_from_the_last_edition() -> None:
    plan = plan_night(Budget(tokens=3500), Cost(), STORIES, EDITIONS)
    assert plan.llm_stories == (1, 2, 3)
    assert plan.line_editions == (10, 11) and plan.skipped_editions == (12,)
    assert plan.steps == ("per-user lines skipped for 1 of 3 editions",)


def test_then_low_ranked_stories_become_extractive() -> None:
    plan = plan_night(Budget(tokens=2500), Cost(), STORIES, EDITIONS)
    assert plan.line_editions == () and plan.skipped_editions == (10, 11, 12)
    assert plan.llm_stories == (1, 2) and plan.extractive_stories == (3,)
    assert plan.steps[0].startswith("per-user lines skipped")
    assert plan.steps[1] == "extractive summaries for the 1 lowest-ranked of 3 stories"


def test_what_was_spent_today_counts_and_time_is_a_budget_too() -> None:
    plan = plan_night(Budget(tokens=2500), Cost(1500), STORIES)
    assert plan.llm_stories == (1,)
    slow = [(1, Cost(100, 40.0)), (2, Cost(100, 40.0))]
    assert plan_night(Budget(seconds=60), Cost(), slow).llm_stories == (1,)


def test_a_per_user_budget_caps_one_user_only() -> None:
    editions = [(10, 100, Cost(200)), (11, 101, Cost(200))]
    plan = plan_night(Budget(user_tokens=300), Cost(), [], editions, {100: 150})
    assert plan.line_editions == (11,) and plan.skipped_editions == (10,)


def test_capacity_projection() -> None:
    work = Work(
        shared_prompt=40_000, shared_completion=10_000, user_prompt=800, user_completion=200
    )
    tp = Throughput(completion=1000, prompt=10_000)
    p = project(work, tp, users=1000, night_hours=1, price_per_hour=3.0)
    assert p.shared_seconds == pytest.approx(4 + 10)
    assert p.per_user_seconds == pytest.approx(0.08 + 0.2)
    assert p.seconds == pytest.approx(14 + 280)
    assert p.users_per_server_night == int((3600 - 14) // 0.28)
    assert p.cost == pytest.approx(294 / 3600 * 3.0)
    assert p.servers_needed == 1
    # Without per-user work the model sets no limit on users.
    shared_only = Work(40_000, 10_000, 0, 0)
    assert project(shared_only, tp, users=10**6).users_per_server_night is None
    # One throughput for every token when the prompt rate is not known.
    assert Throughput(100).seconds(100, 100) == pytest.approx(2.0)


def test_the_ratio_to_a_per_user_agent_grows_with_users() -> None:
    work = Work(shared_prompt=20_000, shared_completion=5_000, user_prompt=0, user_completion=0)
    assert ratio(5_000, work, 10) == pytest.approx(2.0)
    assert ratio(5_000, work, 1000) == pytest.approx(200.0)
    with_lines = Work(20_000, 5_000, 400, 100)
    assert ratio(5_000, with_lines, 10**6) == pytest.approx(10.0, rel=0.01)  # the per-user bound
    assert math.isinf(ratio(5_000, Work(0, 0, 0, 0), 1))


def test_a_day_report_splits_shared_and_per_user() -> None:
    def row(stage, purpose, story=None, user=None, edition=None, p=0, c=0, s=0.0, calls=1):
        return {
            "stage": stage,
            "purpose": purpose,
            "story_id": story,
            "user_id": user,
            "edition_id": edition,
            "backend": "b",
            "model": "m",
            "calls": calls,
            "prompt_tokens": p,
            "completion_tokens": c,
            "cached_tokens": 0,
            "seconds": s,
            "failed": 0,
        }

    report = day_cost(
        "2026-01-01",
        [
            row("shared", "summary", story=1, p=500, c=100, s=2.0),
            row("shared", "summary-retry", story=1, p=700, c=100, s=2.5),
            row("shared", "summary-fallback-unfaithful", story=1),
            row(
                "per-user",
                "personal-line",
                story=1,
                user=7,
                edition=70,
                p=120,
                c=20,
                s=0.5,
                calls=2,
            ),
            row("per-user", "personal-line", story=1, user=8, edition=80, p=60, c=10, s=0.25),
        ],
    )
    assert report.shared.tokens == 1400 and report.shared.calls == 2
    assert report.per_user.tokens == 210 and report.per_user.calls == 3
    assert report.stories[1].tokens == 1400
    assert report.editions[70].tokens == 140 and set(report.users) == {7, 8}
    assert report.events == {"summary-fallback-unfaithful": 1}
    work = report.work()
    assert (work.user_prompt, work.user_completion) == (90, 15)
