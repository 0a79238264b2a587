"""Applying signals to a profile: imports, onboarding topics, curate requests, feedback.

The impure edge of :mod:`aube.signals`: parse or decide in pure code, then write, each use
case in one unit of work (one transaction). Slow steps (reading a file, embedding) come
before the unit, so no lock is held while they run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aube.enrich.embed import Embedder
from aube.errors import InvalidInput
from aube.signals.chatgpt import parse_chatgpt_export
from aube.signals.curate import CurateIntent, parse_request
from aube.signals.feedback import ACTIONS, FeedbackIntents, InterestView, decide
from aube.signals.notes import parse_notes, read_notes_source
from aube.signals.topics import interests_from_documents
from aube.store import NewEvidence, NewInterest, Store, Unit
from aube.types import Card, User

# How strongly each kind of request acts (weights are relative to a chat topic's ~1).
CURATE_WEIGHTS = {"more": 2.0, "recap": 2.5, "less": 1.0, "none": 3.0}


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    documents: int
    interests: int
    skipped: list[str]
    already: bool = False


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_chats(
    store: Store, embedder: Embedder, user: User, data: bytes, *, name: str, now: datetime
) -> ImportResult:
    """Import a ChatGPT export. The same file twice is one import; all or nothing is stored."""
    digest = _digest(data)
    existing = _known_import(store, user, digest)
    if existing is not None:
        return existing
    parsed = parse_chatgpt_export(data, name=name, now=now)
    interests = interests_from_documents(
        parsed.documents, embedder, origin="chat", kind="chat", now=now
    )
    stats = {
        "conversations": len(parsed.documents),
        "skipped": len(parsed.skipped),
        "interests": len(interests),
    }
    return _save_import(
        store,
        user,
        "chatgpt",
        name,
        digest,
        now,
        stats,
        interests,
        parsed.skipped,
        documents=len(parsed.documents),
    )


def import_notes(
    store: Store, embedder: Embedder, user: User, path: Path, *, now: datetime
) -> ImportResult:
    """Import a notes folder or zip (Markdown / text, e.g. an Obsidian vault)."""
    files = read_notes_source(path)
    digest = _digest(b"".join(k.encode() + b"\0" + v for k, v in sorted(files.items())))
    existing = _known_import(store, user, digest)
    if existing is not None:
        return existing
    documents, skipped = parse_notes(files, name=str(path), now=now)
    interests = interests_from_documents(documents, embedder, origin="note", kind="note", now=now)
    stats = {"notes": len(documents), "skipped": len(skipped), "interests": len(interests)}
    return _save_import(
        store,
        user,
        "notes",
        path.name,
        digest,
        now,
        stats,
        interests,
        skipped,
        documents=len(documents),
    )


def _known_import(store: Store, user: User, digest: str) -> ImportResult | None:
    with store.read() as uow:
        existing = uow.imports.find(user.id, digest)
    return None if existing is None else ImportResult(existing, 0, 0, [], already=True)


def _save_import(
    store: Store,
    user: User,
    kind: str,
    name: str,
    digest: str,
    now: datetime,
    stats: dict[str, int],
    interests: list[NewInterest],
    skipped: list[str],
    *,
    documents: int,
) -> ImportResult:
    """The import and all it contributed, in one transaction. Reading and embedding happen
    before it (they are slow, and hold no lock), so the same file sent twice at once (a
    double click) is checked again here: the second is "already imported", not an error."""
    with store.write() as uow:
        existing = uow.imports.find(user.id, digest)
        if existing is not None:
            return ImportResult(existing, 0, 0, [], already=True)
        import_id = uow.imports.save(
            user.id,
            kind=kind,
            name=name,
            content_hash=digest,
            now=now,
            stats=stats,
            new_interests=interests,
        )
    return ImportResult(import_id, documents, len(interests), skipped)


def add_topics(
    store: Store,
    embedder: Embedder,
    user: User,
    topics: list[str],
    *,
    now: datetime,
    origin: str = "onboarding",
) -> list[int]:
    """Topics typed by the person (onboarding or the profile page): one interest each, all
    stored or none."""
    new = topic_interests(embedder, topics, now=now, origin=origin)
    with store.write() as uow:
        return uow.interests.add_many([(user.id, interest) for interest in new], now=now)


def topic_interests(
    embedder: Embedder, topics: list[str], *, now: datetime, origin: str = "onboarding"
) -> list[NewInterest]:
    """The interests typed topics make (checked and embedded; nothing is written)."""
    cleaned = [" ".join(t.split()) for t in topics if t and t.strip()]
    if not cleaned:
        raise InvalidInput("give at least one topic, e.g. 'climate policy'")
    too_long = [t for t in cleaned if len(t) > 200]
    if too_long:
        raise InvalidInput(f"topic too long (200 characters at most): {too_long[0][:40]!r}…")
    vectors = embedder.embed(cleaned)
    return [
        NewInterest(
            label=topic,
            vector=vector,
            model=embedder.name,
            origin=origin,
            weight=1.5,
            evidence=[NewEvidence(kind=origin, ref=topic, text=topic, at=now)],
        )
        for topic, vector in zip(cleaned, vectors, strict=True)
    ]


def add_user(
    store: Store,
    handle: str,
    *,
    now: datetime,
    topics: list[str] | None = None,
    embedder: Callable[[], Embedder] | None = None,
    **fields: Any,
) -> User:
    """A new reader and the topics they start with, together: a bad topic creates no user
    (so the same command can simply be run again, fixed). ``embedder`` is called only when
    there are topics (loading a model is slow)."""
    new: list[NewInterest] = []
    if topics is not None:
        if embedder is None:
            raise ValueError("topics need an embedder")
        new = topic_interests(embedder(), topics, now=now)
    with store.write() as uow:
        user = uow.users.add(handle, now=now, **fields)
        uow.interests.add_many([(user.id, interest) for interest in new], now=now)
    return user


def curate(
    store: Store, embedder: Embedder, user: User, text: str, *, now: datetime
) -> tuple[int, CurateIntent]:
    """Record a plain-words request; it acts on the next edition and until it expires."""
    intent = parse_request(text, now=now, timezone=user.timezone)
    vector = embedder.embed([intent.topic])[0]
    sign = 1 if intent.action in ("more", "recap") else -1
    interest = NewInterest(
        label=intent.topic,
        vector=vector,
        model=embedder.name,
        origin="curate",
        sign=sign,
        weight=CURATE_WEIGHTS[intent.action],
        hard=intent.action == "none",
        expires_at=intent.expires_at,
        evidence=[NewEvidence(kind="request", ref=text, text=text, at=now)],
    )
    with store.write() as uow:
        request_id = uow.requests.add(
            user.id,
            text=text,
            action=intent.action,
            topic=intent.topic,
            now=now,
            expires_at=intent.expires_at,
            new_interest=interest,
        )
    return request_id, intent


def give_feedback(store: Store, user: User, card_id: int, action: str, *, now: datetime) -> Card:
    """Thumbs up/down, less like this, save/unsave, dismiss, open: recorded, then learned from,
    in one transaction: a failure half-way keeps neither the feedback nor any of its learning,
    and two clicks at once each learn from what the other wrote."""
    if action not in ACTIONS:
        raise InvalidInput(f"unknown feedback {action!r}; use one of: {', '.join(ACTIONS)}")
    with store.write() as uow:
        card = uow.cards.get(user.id, card_id)
        vector = uow.cards.vector(user.id, card_id)
        views = [
            InterestView(i.id, i.label, i.sign, i.weight, i.edited, uow.interests.vector(i.id))
            for i in uow.interests.of_user(user.id, now=now, with_evidence=False)
            if i.origin != "curate"
        ]
        intents = decide(action, card, vector, views)
        uow.feedback.record(user.id, card.id, card.story_id, action, now=now)
        if intents.card_flags:
            card = uow.cards.set_flags(user.id, card.id, **intents.card_flags)
        _learn(uow, user, card, intents, action, now=now)
    return card


def _learn(
    uow: Unit, user: User, card: Card, intents: FeedbackIntents, action: str, *, now: datetime
) -> None:
    verb = {
        "up": "you liked",
        "down": "you did not want",
        "less": "you asked for less like",
        "save": "you saved",
    }.get(action, action)
    ev = NewEvidence(kind="card", ref=f"card {card.id}", text=f"{verb} “{card.headline}”", at=now)
    for interest_id in intents.evidence_for:
        uow.interests.add_evidence(interest_id, user.id, ev, now=now)
    for interest_id, weight in intents.reweight.items():
        uow.interests.learn(
            user.id, interest_id, weight=weight, vector=intents.move.get(interest_id), now=now
        )
    for label, sign, weight, vec in intents.create:
        uow.interests.add(
            user.id,
            NewInterest(
                label=label,
                vector=vec,
                model=_model_of(uow, card),
                origin="feedback",
                sign=sign,
                weight=weight,
                evidence=[ev],
            ),
            now=now,
        )


def _model_of(uow: Unit, card: Card) -> str:
    """Card vectors are story centroids: the model that embedded the story's items."""
    if card.story_id is not None:
        model = uow.stories.model_of(card.story_id)
        if model:
            return model
    return ""
