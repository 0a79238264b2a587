"""Log-in throttling: after too many failed log-ins to one account, or from one address,
within a window, further tries are refused until the oldest failure leaves the window.

Failures are kept in the store, not in memory: a restart does not hand an attacker a fresh
allowance, and several processes (or servers, on PostgreSQL) share one count. Both limits
exist because each alone is easy to walk around: one address guessing many accounts, many
addresses guessing one. A paused account can still log in from elsewhere once the window
passes; its owner is told how long to wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aube.config import Settings
from aube.store import Store
from aube.types import User


@dataclass(frozen=True)
class Limits:
    window: timedelta
    per_account: int
    per_ip: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            timedelta(minutes=settings.web_login_window_minutes),
            settings.web_login_failures_per_account,
            settings.web_login_failures_per_ip,
        )


def account_key(user: User | None, typed: str) -> str:
    """Failures count against the account whichever name (user name, email) was typed."""
    return f"user:{user.id}" if user is not None else "name:" + typed.strip().lower()[:300]


def paused_until(
    by_account: int, by_ip: int, oldest: datetime | None, limits: Limits
) -> datetime | None:
    """When tries may resume, or None when they may go on now (pure)."""
    if by_account < limits.per_account and by_ip < limits.per_ip:
        return None
    assert oldest is not None
    return oldest + limits.window


class Throttle:
    def __init__(self, store: Store, limits: Limits) -> None:
        self.store, self.limits = store, limits

    def check(self, key: str, ip: str, now: datetime) -> datetime | None:
        counts = self.store.login_failure_counts(account=key, ip=ip, since=now - self.limits.window)
        return paused_until(*counts, self.limits)

    def failed(self, key: str, ip: str, now: datetime) -> None:
        with self.store.write() as uow:
            uow.login_failures.prune(before=now - self.limits.window)
            uow.login_failures.add(account=key, ip=ip, now=now)

    def succeeded(self, key: str) -> None:
        self.store.clear_login_failures(account=key)
