"""When to try a failed delivery again: exponential backoff with a cap and a little jitter.

Pure: the jitter is derived from the delivery's key, not drawn at random, so a decision can be
tested and repeated, and ten thousand deliveries failing together (the mail server was down)
come back spread over a few seconds rather than all in the same instant.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from aube.config import Settings

JITTER = 0.1  # ±10 %


@dataclass(frozen=True)
class RetryPolicy:
    retries: int  # tries after the first
    base_seconds: float
    max_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            settings.delivery_retries,
            settings.delivery_backoff_seconds,
            settings.delivery_backoff_max_seconds,
        )

    def delay(self, attempts: int, key: object = "") -> timedelta:
        """The wait after the ``attempts``-th failed try (1 after the first)."""
        raw = min(self.max_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        digest = hashlib.sha256(f"{key}:{attempts}".encode()).digest()
        spread = (int.from_bytes(digest[:4], "big") / 0xFFFFFFFF) * 2 - 1  # in [-1, 1]
        return timedelta(seconds=max(raw * (1 + JITTER * spread), 0.0))

    def next_attempt(self, attempts: int, now: datetime, key: object = "") -> datetime | None:
        """When to try again after ``attempts`` failed tries, or None: give up."""
        if attempts > self.retries:
            return None
        return now + self.delay(attempts, key)
