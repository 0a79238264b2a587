"""The backoff between tries of a failed delivery: pure, so every decision is checked exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aube.deliver.retry import RetryPolicy

NOW = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)


def test_doubling_with_a_cap_and_a_little_jitter() -> None:
    policy = RetryPolicy(retries=6, base_seconds=60, max_seconds=600)
    for attempts, nominal in [(1, 60), (2, 120), (3, 240), (4, 480), (5, 600), (6, 600)]:
        for key in range(50):
            wait = policy.next_attempt(attempts, NOW, key) - NOW
            assert timedelta(seconds=nominal * 0.9) <= wait <= timedelta(seconds=nominal * 1.1)
    # The same delivery gets the same answer; many deliveries are spread out.
    assert policy.next_attempt(2, NOW, 7) == policy.next_attempt(2, NOW, 7)
    spread = {policy.next_attempt(1, NOW, key) for key in range(100)}
    assert len(spread) > 90 and max(spread) - min(spread) > timedelta(seconds=9)


def test_giving_up_after_the_last_retry() -> None:
    policy = RetryPolicy(retries=2, base_seconds=10, max_seconds=100)
    assert policy.next_attempt(2, NOW, "k") is not None
    assert policy.next_attempt(3, NOW, "k") is None
    assert RetryPolicy(retries=0, base_seconds=10, max_seconds=100).next_attempt(1, NOW) is None
