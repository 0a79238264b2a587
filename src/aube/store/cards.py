"""Cards: what an edition shows, one story (or note) each, with the reader's flags on it
(saved, dismissed, feedback) and the per-reader line a model may write on it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Integer, cast, desc, func, or_, select, update

from aube.errors import InvalidInput, NotFound
from aube.store.base import Repo, chunks, row_dict
from aube.store.embeddings import from_blob
from aube.store.schema import cards, editions
from aube.types import Card, CardSource

_CARD_FLAGS = {"saved", "dismissed", "feedback"}


def card_from_row(row: Any, date: str = "") -> Card:
    data = row_dict(row)
    data.pop("vector", None)
    data.pop("date", None)
    data["sources"] = tuple(CardSource(**s) for s in data["sources"])
    data["changes"] = tuple(data["changes"])
    return Card(**data, date=date)


class CardsRepo(Repo):
    def get(self, user_id: int, card_id: int) -> Card:
        """A card of this user's; another user's card is "not found", never shown."""
        conn = self.conn
        row = conn.execute(
            select(cards, editions.c.date)
            .join(editions, editions.c.id == cards.c.edition_id)
            .where(cards.c.id == card_id, cards.c.user_id == user_id)
        ).first()
        if row is None:
            raise NotFound(f"no card {card_id} for this user")
        return card_from_row(row, row.date)

    def vector(self, user_id: int, card_id: int) -> np.ndarray | None:
        conn = self.conn
        blob = conn.execute(
            select(cards.c.vector).where(cards.c.id == card_id, cards.c.user_id == user_id)
        ).scalar()
        return from_blob(blob) if blob is not None else None

    def set_flags(self, user_id: int, card_id: int, **flags: Any) -> Card:
        bad = set(flags) - _CARD_FLAGS
        if bad:
            raise InvalidInput(f"cannot change card field(s): {', '.join(sorted(bad))}")
        conn = self.conn
        done = conn.execute(
            update(cards).where(cards.c.id == card_id, cards.c.user_id == user_id).values(**flags)
        )
        if done.rowcount == 0:
            raise NotFound(f"no card {card_id} for this user")
        return self.get(user_id, card_id)

    def saved(self, user_id: int) -> list[Card]:
        conn = self.conn
        rows = conn.execute(
            select(cards, editions.c.date)
            .join(editions, editions.c.id == cards.c.edition_id)
            .where(cards.c.user_id == user_id, cards.c.saved.is_(True))
            .order_by(desc(editions.c.date), cards.c.position)
        ).all()
        return [card_from_row(r, r.date) for r in rows]

    def for_story(self, user_id: int, story_id: int) -> list[Card]:
        """This user's earlier cards about a story, newest first."""
        conn = self.conn
        rows = conn.execute(
            select(cards, editions.c.date)
            .join(editions, editions.c.id == cards.c.edition_id)
            .where(cards.c.user_id == user_id, cards.c.story_id == story_id)
            .order_by(desc(editions.c.date))
        ).all()
        return [card_from_row(r, r.date) for r in rows]

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
        conn = self.conn
        for part in chunks(list(user_ids)):
            for uid, sid, version, at, dismissed, fb in conn.execute(
                query.where(cards.c.user_id.in_(part))
            ):
                found[uid][sid] = (int(version), at, bool(dismissed) or fb in ("down", "less"))
        return dict(found)

    def of_editions(self, edition_ids: Sequence[int]) -> dict[int, list[Card]]:
        """The cards shown in each edition, in order."""
        found: dict[int, list[Card]] = defaultdict(list)
        conn = self.conn
        for part in chunks(list(edition_ids)):
            rows = conn.execute(
                select(cards, editions.c.date)
                .join(editions, editions.c.id == cards.c.edition_id)
                .where(cards.c.edition_id.in_(part), cards.c.position >= 0)
                .order_by(cards.c.edition_id, cards.c.position)
            )
            for row in rows:
                found[row.edition_id].append(card_from_row(row, row.date))
        return dict(found)

    def written_lines(self, story_ids: Sequence[int]) -> dict[tuple[int, int, str], str]:
        """Lines already written for these stories, by (story id, story version, interest
        label in lower case): the same prompt for another reader gets the same answer."""
        found: dict[tuple[int, int, str], str] = {}
        conn = self.conn
        for part in chunks(sorted(set(story_ids))):
            query = select(
                cards.c.story_id,
                cards.c.story_version,
                cards.c.interest_label,
                cards.c.personal_line,
            ).where(cards.c.story_id.in_(part), cards.c.personal_line != "")
            for sid, version, label, line in conn.execute(query):
                found.setdefault((sid, version, label.strip().lower()), line)
        return found

    def set_personal_lines(self, lines: dict[int, str]) -> None:
        """Write the per-user line of each card id."""
        conn = self.conn
        for card_id, line in lines.items():
            conn.execute(update(cards).where(cards.c.id == card_id).values(personal_line=line))
