"""Curate requests: what a reader asked for in plain words ("more on the Fed, for a week"),
and the interest each made, which acts until the request expires or is withdrawn."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update

from aube.errors import NotFound
from aube.store.base import Repo, row_dict
from aube.store.interests import InterestsRepo, NewInterest
from aube.store.schema import curate_requests
from aube.types import CurateRequest


class RequestsRepo(Repo):
    def add(
        self,
        user_id: int,
        *,
        text: str,
        action: str,
        topic: str,
        now: datetime,
        expires_at: datetime | None,
        new_interest: NewInterest | None,
    ) -> int:
        conn = self.conn
        request_id = int(
            conn.execute(
                insert(curate_requests).values(
                    user_id=user_id,
                    text=text,
                    action=action,
                    topic=topic,
                    created_at=now,
                    expires_at=expires_at,
                    status="active",
                )
            ).inserted_primary_key[0]
        )
        if new_interest is not None:
            new_interest.request_id = request_id
            InterestsRepo(conn).add(user_id, new_interest, now=now)
        return request_id

    def of_user(
        self, user_id: int, *, now: datetime, active_only: bool = True
    ) -> list[CurateRequest]:
        query = select(curate_requests).where(curate_requests.c.user_id == user_id)
        if active_only:
            query = query.where(
                curate_requests.c.status == "active",
                or_(curate_requests.c.expires_at.is_(None), curate_requests.c.expires_at > now),
            )
        conn = self.conn
        rows = conn.execute(query.order_by(curate_requests.c.id.desc())).all()
        result = []
        for r in rows:
            data = row_dict(r)
            if (
                data["status"] == "active"
                and data["expires_at"] is not None
                and data["expires_at"] <= now
            ):
                data["status"] = "expired"
            result.append(CurateRequest(**data))
        return result

    def remove(self, user_id: int, request_id: int) -> None:
        """Withdraw a request: it stops acting at once (its interest goes with it)."""
        conn = self.conn
        done = conn.execute(
            update(curate_requests)
            .where(curate_requests.c.id == request_id, curate_requests.c.user_id == user_id)
            .values(status="removed")
        )
        if done.rowcount == 0:
            raise NotFound(f"no request {request_id} for this user")
        InterestsRepo(conn).delete_of_request(user_id, request_id)
