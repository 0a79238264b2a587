"""Imports: a chat export or a notes folder read into a reader's profile, once per content
hash, and undone as a whole (its evidence goes; interests nothing else backs go too)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from aube.errors import NotFound
from aube.store.base import Repo, row_dict
from aube.store.interests import InterestsRepo, NewInterest
from aube.store.schema import imports


class ImportsRepo(Repo):
    def find(self, user_id: int, content_hash: str) -> int | None:
        return self.conn.execute(
            select(imports.c.id).where(
                imports.c.user_id == user_id, imports.c.content_hash == content_hash
            )
        ).scalar()

    def of_user(self, user_id: int) -> list[dict[str, Any]]:
        return [
            row_dict(r)
            for r in self.conn.execute(
                select(imports).where(imports.c.user_id == user_id).order_by(imports.c.id)
            )
        ]

    def save(
        self,
        user_id: int,
        *,
        kind: str,
        name: str,
        content_hash: str,
        now: datetime,
        stats: dict[str, Any],
        new_interests: Sequence[NewInterest],
    ) -> int:
        """Record an import and everything it contributed."""
        import_id = int(
            self.conn.execute(
                insert(imports).values(
                    user_id=user_id,
                    kind=kind,
                    name=name,
                    content_hash=content_hash,
                    created_at=now,
                    stats=stats,
                )
            ).inserted_primary_key[0]
        )
        interests = InterestsRepo(self.conn)
        for new in new_interests:
            interests.add(user_id, new, now=now, import_id=import_id)
        return import_id

    def delete(self, user_id: int, import_id: int) -> int:
        """Remove an import and what it contributed; interests also backed by other evidence
        stay, with that evidence only. Returns the number of interests removed."""
        owner = self.conn.execute(
            select(imports.c.user_id).where(imports.c.id == import_id)
        ).scalar()
        if owner != user_id:
            raise NotFound(f"no import {import_id} for this user")
        removed = InterestsRepo(self.conn).forget_import(import_id)
        self.conn.execute(delete(imports).where(imports.c.id == import_id))
        return removed
