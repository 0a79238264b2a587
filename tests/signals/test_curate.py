"""Curate requests in plain words → intents, with time limits in the user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aube.errors import InvalidInput
from aube.signals.curate import parse_request

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(
    ("text", "action", "topic"),
    [
        ("more on the Rust 2027 edition", "more", "Rust 2027 edition"),
        ("nothing about crypto", "none", "crypto"),
        ("Please, no more celebrity gossip!", "none", "celebrity gossip"),
        ("I am not interested in sports", "none", "sports"),
        ("less football", "less", "football"),
        ("recap the F1 race", "recap", "F1 race"),
        ("keep me posted on the Fed", "more", "Fed"),
        ("climate policy", "more", "climate policy"),
    ],
)
def test_actions_and_topics(text: str, action: str, topic: str) -> None:
    intent = parse_request(text, now=NOW)
    assert (intent.action, intent.topic) == (action, topic)


def test_this_week_ends_sunday_night_local() -> None:
    intent = parse_request("less football this week", now=NOW, timezone="Europe/Paris")
    assert intent.action == "less" and intent.topic == "football"
    local = intent.expires_at.astimezone(intent.expires_at.tzinfo)
    assert (local.year, local.month, local.day, local.hour) == (2026, 11, 29, 23)
    assert intent.until_text == "this week"


def test_recap_tomorrow_and_default_recap_expiry() -> None:
    tomorrow = parse_request("recap the F1 race tomorrow", now=NOW, timezone="America/New_York")
    assert tomorrow.expires_at.date().isoformat() == "2026-11-29"
    assert parse_request("recap the F1 race", now=NOW).expires_at is not None


def test_durations_and_dates() -> None:
    assert (parse_request("interest rates for 3 days", now=NOW).expires_at - NOW).days == 3
    until = parse_request("tell me about the Fed until 2026-12-05", now=NOW)
    assert until.topic == "Fed" and until.expires_at.date().isoformat() == "2026-12-05"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "more",
        "nothing about",
        "asdf qwer zxcv",
        "!!!",
        "x" * 400,
        "more on the Fed until 2020-01-01",
    ],
)
def test_nonsense_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_request(text, now=NOW)
