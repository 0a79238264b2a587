"""Everything private Aube holds about one user, as one JSON document they can take away."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from aube.store import Store
from aube.types import User


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def export_user(store: Store, user: User, *, now: datetime) -> dict[str, Any]:
    """One consistent snapshot: a thumbs-down or an import landing meanwhile is either all in
    the document or not at all."""
    with store.read() as uow:
        editions = []
        for day in uow.editions.dates(user.id, limit=10_000):
            edition = uow.editions.get(user.id, day)
            if edition is not None:
                editions.append(asdict(edition))
        followed = uow.subscriptions.source_ids(user.id)
        return _plain(
            {
                "format": "aube-profile-export/1",
                "exported_at": now,
                "user": asdict(user),
                "sources": sorted(s.url for s in uow.sources.all() if s.id in followed),
                "interests": [asdict(i) for i in uow.interests.of_user(user.id)],
                "requests": [
                    asdict(r) for r in uow.requests.of_user(user.id, now=now, active_only=False)
                ],
                "imports": uow.imports.of_user(user.id),
                "feedback": uow.feedback.log(user.id, limit=1_000_000),
                "saved_cards": [asdict(c) for c in uow.cards.saved(user.id)],
                "editions": editions,
            }
        )
