"""Failed log-ins, by account and by address: what the web app's throttle counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select

from aube.store.base import Repo
from aube.store.schema import login_failures


class LoginFailuresRepo(Repo):
    def add(self, *, account: str, ip: str, now: datetime) -> None:
        conn = self.conn
        conn.execute(insert(login_failures).values(account=account[:400], ip=ip[:64], at=now))

    def counts(self, *, account: str, ip: str, since: datetime) -> tuple[int, int, datetime | None]:
        """Failures since ``since`` for this account and from this address, and the oldest
        of them (when the pause ends)."""
        conn = self.conn
        by_account = conn.execute(
            select(func.count(), func.min(login_failures.c.at)).where(
                login_failures.c.account == account[:400], login_failures.c.at > since
            )
        ).one()
        by_ip = conn.execute(
            select(func.count(), func.min(login_failures.c.at)).where(
                login_failures.c.ip == ip[:64], login_failures.c.at > since
            )
        ).one()
        oldest = [t for t in (by_account[1], by_ip[1]) if t is not None]
        return int(by_account[0]), int(by_ip[0]), min(oldest) if oldest else None

    def clear(self, *, account: str) -> None:
        conn = self.conn
        conn.execute(delete(login_failures).where(login_failures.c.account == account[:400]))

    def prune(self, *, before: datetime) -> int:
        conn = self.conn
        done = conn.execute(delete(login_failures).where(login_failures.c.at <= before))
        return done.rowcount
