"""Editions, their cards, and the feedback given on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Integer, cast, delete, desc, func, insert, or_, select, update

from aube.errors import InvalidInput, NotFound
from aube.store.base import StoreBase, chunks, row_dict
from aube.store.embeddings import from_blob, to_blob
from aube.store.schema import cards, editions, feedback_events
from aube.types import Card, CardSource, Edition


@dataclass
class NewCard:
    kind: str
    story_id: int | None
    story_version: int
    headline: str
    summary: str
    reason: str
    interest_id: int | None
    interest_label: str
    sources: list[dict[str, str]]
    changes: list[str]
    score: float
    vector: np.ndarray | None = None


@dataclass
class NewEdition:
    user_id: int
    date: str
    cards: list[NewCard]
    quiet: bool
    meta: dict[str, Any] = field(default_factory=dict)


_CARD_FLAGS = {"saved", "dismissed", "feedback"}


def _card(row: Any, date: str = "") -> Card:
    data = row_dict(row)
    data.pop("vector", None)
    data.pop("date", None)
    data["sources"] = tuple(CardSource(**s) for s in data["sources"])
    data["changes"] = tuple(data["changes"])
    return Card(**data, date=date)


class EditionsMixin(StoreBase):
    def save_editions(
        self,
        new: Sequence[NewEdition],
        *,
        now: datetime,
        replace: bool = False,
        conn: Connection | None = None,
    ) -> dict[int, int]:
        """Store editions; returns {user_id: edition_id}. One edition per user per day: an
        existing one is kept as it is (a rerun or a second process never makes two), unless
        ``replace`` (the user asked to regenerate), which swaps its cards but keeps saved ones."""
        result: dict[int, int] = {}
        dates = sorted({e.date for e in new})
        with self.transaction(conn) as tx:

            def edition_ids() -> dict[tuple[int, str], int]:
                found: dict[tuple[int, str], int] = {}
                for part in chunks([e.user_id for e in new]):
                    for uid, date, eid in tx.execute(
                        select(editions.c.user_id, editions.c.date, editions.c.id).where(
                            editions.c.user_id.in_(part), editions.c.date.in_(dates)
                        )
                    ):
                        found[(uid, date)] = eid
                return found

            existing = edition_ids()
            # New editions in one statement per chunk (one INSERT per edition was a third of
            # the time of a night's batch), then their ids read back by (user, day).
            fresh = [e for e in new if (e.user_id, e.date) not in existing]
            for part in chunks(
                [
                    {
                        "user_id": e.user_id,
                        "date": e.date,
                        "created_at": now,
                        "card_count": len(e.cards),
                        "quiet": e.quiet,
                        "meta": e.meta,
                    }
                    for e in fresh
                ],
                500,
            ):
                tx.execute(insert(editions), list(part))
            created = edition_ids() if fresh else existing
            card_rows: list[dict[str, Any]] = []
            for ed in new:
                key = (ed.user_id, ed.date)
                eid = existing.get(key)
                if eid is not None and not replace:
                    result[ed.user_id] = eid
                    continue
                if eid is None:
                    eid = created[key]
                else:
                    # Regenerate: saved cards stay reachable (in Saved), out of today's list.
                    tx.execute(
                        delete(cards).where(cards.c.edition_id == eid, cards.c.saved.is_(False))
                    )
                    tx.execute(update(cards).where(cards.c.edition_id == eid).values(position=-1))
                    tx.execute(
                        update(editions)
                        .where(editions.c.id == eid)
                        .values(
                            created_at=now, card_count=len(ed.cards), quiet=ed.quiet, meta=ed.meta
                        )
                    )
                result[ed.user_id] = eid
                for position, c in enumerate(ed.cards):
                    card_rows.append(
                        {
                            "edition_id": eid,
                            "user_id": ed.user_id,
                            "position": position,
                            "kind": c.kind,
                            "story_id": c.story_id,
                            "story_version": c.story_version,
                            "headline": c.headline,
                            "summary": c.summary,
                            "reason": c.reason,
                            "interest_id": c.interest_id,
                            "interest_label": c.interest_label,
                            "sources": c.sources,
                            "changes": c.changes,
                            "score": float(c.score),
                            "vector": to_blob(c.vector) if c.vector is not None else None,
                            "saved": False,
                            "dismissed": False,
                            "feedback": None,
                            "created_at": now,
                        }
                    )
            for part in chunks(card_rows, 500):
                tx.execute(insert(cards), list(part))
        return result

    def get_edition(self, user_id: int, date: str) -> Edition | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(editions).where(editions.c.user_id == user_id, editions.c.date == date)
            ).first()
            if row is None:
                return None
            rows = conn.execute(
                select(cards)
                .where(cards.c.edition_id == row.id, cards.c.position >= 0)
                .order_by(cards.c.position)
            ).all()
        return Edition(
            id=row.id,
            user_id=user_id,
            date=row.date,
            created_at=row.created_at,
            quiet=row.quiet,
            cards=tuple(_card(r, row.date) for r in rows),
            meta=dict(row.meta),
        )

    def edition_dates(self, user_id: int, *, limit: int = 30) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(editions.c.date)
                    .where(editions.c.user_id == user_id)
                    .order_by(desc(editions.c.date))
                    .limit(limit)
                ).scalars()
            )

    def editions_exist(self, user_ids: Sequence[int], date: str) -> set[int]:
        found: set[int] = set()
        with self.engine.connect() as conn:
            for part in chunks(list(user_ids)):
                found.update(
                    conn.execute(
                        select(editions.c.user_id).where(
                            editions.c.user_id.in_(part), editions.c.date == date
                        )
                    ).scalars()
                )
        return found

    def get_card(self, user_id: int, card_id: int) -> Card:
        """A card of this user's; another user's card is "not found", never shown."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(cards, editions.c.date)
                .join(editions, editions.c.id == cards.c.edition_id)
                .where(cards.c.id == card_id, cards.c.user_id == user_id)
            ).first()
        if row is None:
            raise NotFound(f"no card {card_id} for this user")
        return _card(row, row.date)

    def card_vector(self, user_id: int, card_id: int) -> np.ndarray | None:
        with self.engine.connect() as conn:
            blob = conn.execute(
                select(cards.c.vector).where(cards.c.id == card_id, cards.c.user_id == user_id)
            ).scalar()
        return from_blob(blob) if blob is not None else None

    def set_card(self, user_id: int, card_id: int, **flags: Any) -> Card:
        bad = set(flags) - _CARD_FLAGS
        if bad:
            raise InvalidInput(f"cannot change card field(s): {', '.join(sorted(bad))}")
        with self.transaction() as conn:
            done = conn.execute(
                update(cards)
                .where(cards.c.id == card_id, cards.c.user_id == user_id)
                .values(**flags)
            )
        if done.rowcount == 0:
            raise NotFound(f"no card {card_id} for this user")
        return self.get_card(user_id, card_id)

    def record_feedback(
        self, user_id: int, card_id: int | None, story_id: int | None, action: str, *, now: datetime
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                insert(feedback_events).values(
                    user_id=user_id, card_id=card_id, story_id=story_id, action=action, at=now
                )
            )

    def feedback_log(self, user_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [
                row_dict(r)
                for r in conn.execute(
                    select(feedback_events)
                    .where(feedback_events.c.user_id == user_id)
                    .order_by(feedback_events.c.id.desc())
                    .limit(limit)
                )
            ]

    def saved_cards(self, user_id: int) -> list[Card]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(cards, editions.c.date)
                .join(editions, editions.c.id == cards.c.edition_id)
                .where(cards.c.user_id == user_id, cards.c.saved.is_(True))
                .order_by(desc(editions.c.date), cards.c.position)
            ).all()
        return [_card(r, r.date) for r in rows]

    def cards_for_story(self, user_id: int, story_id: int) -> list[Card]:
        """This user's earlier cards about a story, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(cards, editions.c.date)
                .join(editions, editions.c.id == cards.c.edition_id)
                .where(cards.c.user_id == user_id, cards.c.story_id == story_id)
                .order_by(desc(editions.c.date))
            ).all()
        return [_card(r, r.date) for r in rows]

    def shown(
        self, user_ids: Sequence[int], *, since: datetime, excluding_date: str | None = None
    ) -> dict[int, dict[int, tuple[int, datetime, bool]]]:
        """For each user, the stories shown since ``since``: story → (highest version shown,
        when, dismissed or voted down). Novelty and "what changed" are computed from this.
        ``excluding_date``: the day being (re)built; its cards are not history, except those
        dismissed or voted down (a rebuilt edition must not bring them back)."""
        found: dict[int, dict[int, tuple[int, datetime, bool]]] = defaultdict(dict)
        query = (
            select(
                cards.c.user_id,
                cards.c.story_id,
                func.max(cards.c.story_version),
                func.max(cards.c.created_at),
                func.max(cast(cards.c.dismissed, Integer)),
                func.max(func.coalesce(cards.c.feedback, "")),
            )
            .where(cards.c.story_id.is_not(None), cards.c.created_at >= since)
            .group_by(cards.c.user_id, cards.c.story_id)
        )
        if excluding_date is not None:
            query = query.join(editions, editions.c.id == cards.c.edition_id).where(
                or_(
                    editions.c.date != excluding_date,
                    cards.c.dismissed.is_(True),
                    cards.c.feedback.in_(("down", "less")),
                )
            )
        with self.engine.connect() as conn:
            for part in chunks(list(user_ids)):
                for uid, sid, version, at, dismissed, fb in conn.execute(
                    query.where(cards.c.user_id.in_(part))
                ):
                    found[uid][sid] = (int(version), at, bool(dismissed) or fb in ("down", "less"))
        return dict(found)
