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
    editions = []
    for day in store.edition_dates(user.id, limit=10_000):
        edition = store.get_edition(user.id, day)
        if edition is not None:
            editions.append(asdict(edition))
    return _plain(
        {
            "format": "aube-profile-export/1",
            "exported_at": now,
            "user": asdict(user),
            "sources": sorted(
                s.url for s in store.list_sources() if s.id in store.user_source_ids(user.id)
            ),
            "interests": [asdict(i) for i in store.list_interests(user.id)],
            "requests": [
                asdict(r) for r in store.list_requests(user.id, now=now, active_only=False)
            ],
            "imports": store.list_imports(user.id),
            "feedback": store.feedback_log(user.id, limit=1_000_000),
            "saved_cards": [asdict(c) for c in store.saved_cards(user.id)],
            "editions": editions,
        }
    )
