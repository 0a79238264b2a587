"""A reader's interests and the evidence behind each (imports, typed topics, feedback,
curate requests): what ranking reads, what the profile page shows and edits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, insert, or_, select, update

from aube.errors import InvalidInput, NotFound
from aube.store.base import Repo, chunks, row_dict
from aube.store.embeddings import from_blob, to_blob
from aube.store.schema import curate_requests, evidence, interests
from aube.types import Evidence, Interest


@dataclass
class NewEvidence:
    kind: str
    ref: str
    text: str
    at: datetime
    weight: float = 1.0


@dataclass
class NewInterest:
    label: str
    vector: np.ndarray
    model: str
    origin: str
    sign: int = 1
    weight: float = 1.0
    hard: bool = False
    expires_at: datetime | None = None
    request_id: int | None = None
    evidence: list[NewEvidence] = field(default_factory=list)


@dataclass(frozen=True)
class InterestVectors:
    """Every live interest of a set of users, as arrays for the batch ranking."""

    ids: np.ndarray  # (M,) interest ids
    user_ids: np.ndarray  # (M,)
    vectors: np.ndarray  # (M, d) normalized
    weights: np.ndarray  # (M,)
    signs: np.ndarray  # (M,) +1 / -1
    hard: np.ndarray  # (M,) bool
    labels: list[str]
    origins: list[str]
    last_evidence_at: list[datetime]


_EDITABLE = {"label", "weight", "sign", "hard", "expires_at"}


def _interest(row: Any, ev: Sequence[Evidence] = ()) -> Interest:
    data = row_dict(row)
    for key in ("vector", "model"):
        data.pop(key, None)
    return Interest(**data, evidence=tuple(ev))


def _evidence(row: Any) -> Evidence:
    data = row_dict(row)
    data.pop("user_id", None)
    data.pop("import_id", None)
    return Evidence(**data)


class InterestsRepo(Repo):
    def add(
        self,
        user_id: int,
        new: NewInterest,
        *,
        now: datetime,
        import_id: int | None = None,
    ) -> int:
        """One interest with its evidence (``import_id``: the import it came from)."""
        if not new.label.strip():
            raise InvalidInput("an interest needs a label")
        conn = self.conn
        last = max((e.at for e in new.evidence), default=now)
        interest_id = int(
            conn.execute(
                insert(interests).values(
                    user_id=user_id,
                    label=new.label.strip()[:200],
                    sign=1 if new.sign >= 0 else -1,
                    weight=float(new.weight),
                    hard=new.hard,
                    origin=new.origin,
                    model=new.model,
                    vector=to_blob(new.vector),
                    import_id=import_id,
                    request_id=new.request_id,
                    created_at=now,
                    updated_at=now,
                    last_evidence_at=last,
                    expires_at=new.expires_at,
                    edited=False,
                )
            ).inserted_primary_key[0]
        )
        if new.evidence:
            conn.execute(
                insert(evidence),
                [
                    {
                        "user_id": user_id,
                        "interest_id": interest_id,
                        "kind": e.kind,
                        "ref": e.ref[:500],
                        "text": e.text[:2000],
                        "at": e.at,
                        "weight": e.weight,
                        "import_id": import_id,
                    }
                    for e in new.evidence
                ],
            )
        return interest_id

    def add_many(self, new: Sequence[tuple[int, NewInterest]], *, now: datetime) -> list[int]:
        """Many (user id, interest) pairs."""
        return [self.add(uid, interest, now=now) for uid, interest in new]

    def add_evidence(
        self,
        interest_id: int,
        user_id: int,
        ev: NewEvidence,
        *,
        now: datetime,
        weight: float | None = None,
        vector: np.ndarray | None = None,
    ) -> None:
        """More evidence for an interest; optionally a new weight and (moved) vector."""
        values: dict[str, Any] = {"updated_at": now, "last_evidence_at": ev.at}
        if weight is not None:
            values["weight"] = float(weight)
        if vector is not None:
            values["vector"] = to_blob(vector)
        conn = self.conn
        conn.execute(
            insert(evidence).values(
                user_id=user_id,
                interest_id=interest_id,
                kind=ev.kind,
                ref=ev.ref[:500],
                text=ev.text[:2000],
                at=ev.at,
                weight=ev.weight,
            )
        )
        conn.execute(update(interests).where(interests.c.id == interest_id).values(**values))

    def of_user(
        self, user_id: int, *, now: datetime | None = None, with_evidence: bool = True
    ) -> list[Interest]:
        """The user's interests (live ones only when ``now`` is given), strongest first."""
        query = select(interests).where(interests.c.user_id == user_id)
        if now is not None:
            query = query.where(or_(interests.c.expires_at.is_(None), interests.c.expires_at > now))
        query = query.order_by(interests.c.sign.desc(), interests.c.weight.desc(), interests.c.id)
        conn = self.conn
        rows = conn.execute(query).all()
        ev: dict[int, list[Evidence]] = defaultdict(list)
        if with_evidence and rows:
            for part in chunks([r.id for r in rows]):
                for e in conn.execute(
                    select(evidence)
                    .where(evidence.c.interest_id.in_(part))
                    .order_by(evidence.c.at.desc())
                ):
                    ev[e.interest_id].append(_evidence(e))
        return [_interest(r, ev.get(r.id, ())) for r in rows]

    def get(self, user_id: int, interest_id: int) -> Interest:
        for interest in self.of_user(user_id):
            if interest.id == interest_id:
                return interest
        raise NotFound(f"no interest {interest_id} for this user (see `aube profile show`)")

    def vector(self, interest_id: int) -> np.ndarray:
        conn = self.conn
        blob = conn.execute(
            select(interests.c.vector).where(interests.c.id == interest_id)
        ).scalar()
        if blob is None:
            raise NotFound(f"no interest {interest_id}")
        return from_blob(blob)

    def edit(self, user_id: int, interest_id: int, *, now: datetime, **values: Any) -> Interest:
        """Rename, reweight, flip or expire an interest; marks it as edited by the person."""
        bad = set(values) - _EDITABLE
        if bad:
            raise InvalidInput(f"cannot change interest field(s): {', '.join(sorted(bad))}")
        if "weight" in values and not (0.0 <= float(values["weight"]) <= 10.0):
            raise InvalidInput(f"weight must be between 0 and 10, not {values['weight']!r}")
        if "label" in values and not str(values["label"]).strip():
            raise InvalidInput("an interest's label cannot be empty")
        conn = self.conn
        done = conn.execute(
            update(interests)
            .where(interests.c.id == interest_id, interests.c.user_id == user_id)
            .values(**values, edited=True, updated_at=now)
        )
        if done.rowcount == 0:
            raise NotFound(f"no interest {interest_id} for this user")
        return self.get(user_id, interest_id)

    def learn(
        self,
        user_id: int,
        interest_id: int,
        *,
        weight: float,
        vector: np.ndarray | None,
        now: datetime,
    ) -> None:
        """Feedback moved an interest (learning never overrides what the person edited)."""
        values: dict[str, Any] = {"weight": float(weight), "updated_at": now}
        if vector is not None:
            values["vector"] = to_blob(vector)
        conn = self.conn
        conn.execute(
            update(interests)
            .where(
                interests.c.id == interest_id,
                interests.c.user_id == user_id,
                interests.c.edited.is_(False),
            )
            .values(**values)
        )

    def delete(self, user_id: int, interest_id: int) -> None:
        conn = self.conn
        done = conn.execute(
            delete(interests).where(interests.c.id == interest_id, interests.c.user_id == user_id)
        )
        if done.rowcount == 0:
            raise NotFound(f"no interest {interest_id} for this user")

    def vectors(
        self, user_ids: Sequence[int] | None, *, now: datetime, model: str
    ) -> InterestVectors:
        """Every live interest of these users (all users when None), sorted by user."""
        query = select(
            interests.c.id,
            interests.c.user_id,
            interests.c.vector,
            interests.c.weight,
            interests.c.sign,
            interests.c.hard,
            interests.c.label,
            interests.c.origin,
            interests.c.last_evidence_at,
        ).where(
            interests.c.model == model,
            or_(interests.c.expires_at.is_(None), interests.c.expires_at > now),
        )
        rows: list[Any] = []
        conn = self.conn
        if user_ids is None:
            rows = conn.execute(query).all()
        else:
            for part in chunks(list(user_ids)):
                rows.extend(conn.execute(query.where(interests.c.user_id.in_(part))).all())
        rows.sort(key=lambda r: (r.user_id, r.id))
        dim = len(from_blob(rows[0].vector)) if rows else 0
        vectors = np.zeros((len(rows), dim), dtype=np.float32)
        for i, r in enumerate(rows):
            vectors[i] = from_blob(r.vector)
        return InterestVectors(
            ids=np.array([r.id for r in rows], dtype=np.int64),
            user_ids=np.array([r.user_id for r in rows], dtype=np.int64),
            vectors=vectors,
            weights=np.array([r.weight for r in rows], dtype=np.float32),
            signs=np.array([r.sign for r in rows], dtype=np.int8),
            hard=np.array([r.hard for r in rows], dtype=bool),
            labels=[r.label for r in rows],
            origins=[r.origin for r in rows],
            last_evidence_at=[r.last_evidence_at for r in rows],
        )

    def details(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """For reasons on cards: each interest's origin, label, evidence count and latest
        evidence, and the words of the request behind it."""
        found: dict[int, dict[str, Any]] = {}
        conn = self.conn
        for part in chunks(sorted(set(ids))):
            for r in conn.execute(
                select(
                    interests.c.id,
                    interests.c.label,
                    interests.c.origin,
                    interests.c.sign,
                    curate_requests.c.text,
                    curate_requests.c.created_at,
                )
                .outerjoin(curate_requests, curate_requests.c.id == interests.c.request_id)
                .where(interests.c.id.in_(part))
            ):
                found[r.id] = {
                    "label": r.label,
                    "origin": r.origin,
                    "sign": r.sign,
                    "request": r.text,
                    "requested_at": r.created_at,
                    "evidence": 0,
                    "latest_ref": "",
                    "latest_at": None,
                    "latest_kind": "",
                }
            for e in conn.execute(
                select(
                    evidence.c.interest_id, evidence.c.kind, evidence.c.ref, evidence.c.at
                ).where(evidence.c.interest_id.in_(part))
            ):
                d = found.get(e.interest_id)
                if d is None:
                    continue
                d["evidence"] += 1
                if d["latest_at"] is None or e.at > d["latest_at"]:
                    d.update(latest_ref=e.ref, latest_at=e.at, latest_kind=e.kind)
        return found

    def forget_import(self, import_id: int) -> int:
        """Remove what an import contributed: its evidence, and the interests nothing else
        backs any more (those also backed by other evidence stay, with that evidence only).
        Returns the number of interests removed."""
        conn = self.conn
        touched = set(
            conn.execute(
                select(evidence.c.interest_id).where(evidence.c.import_id == import_id)
            ).scalars()
        )
        touched |= set(
            conn.execute(select(interests.c.id).where(interests.c.import_id == import_id)).scalars()
        )
        conn.execute(delete(evidence).where(evidence.c.import_id == import_id))
        still = (
            set(
                conn.execute(
                    select(evidence.c.interest_id).where(
                        evidence.c.interest_id.in_(sorted(touched))
                    )
                ).scalars()
            )
            if touched
            else set()
        )
        gone = sorted(touched - still)
        if gone:
            conn.execute(delete(interests).where(interests.c.id.in_(gone)))
        conn.execute(
            update(interests).where(interests.c.import_id == import_id).values(import_id=None)
        )
        return len(gone)

    def delete_of_request(self, user_id: int, request_id: int) -> None:
        """The interest a curate request made goes with the request."""
        self.conn.execute(
            delete(interests).where(
                and_(interests.c.request_id == request_id, interests.c.user_id == user_id)
            )
        )
