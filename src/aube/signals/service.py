"""Applying signals to a profile: imports, onboarding topics, curate requests, feedback.

The impure edge of :mod:`aube.signals`: parse or decide in pure code, then write."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aube.enrich.embed import Embedder
from aube.errors import InvalidInput
from aube.signals.chatgpt import parse_chatgpt_export
from aube.signals.curate import CurateIntent, parse_request
from aube.signals.feedback import ACTIONS, InterestView, decide
from aube.signals.notes import parse_notes, read_notes_source
from aube.signals.topics import interests_from_documents
from aube.store import NewEvidence, NewInterest, Store
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
    existing = store.find_import(user.id, digest)
    if existing is not None:
        return ImportResult(existing, 0, 0, [], already=True)
    parsed = parse_chatgpt_export(data, name=name, now=now)
    interests = interests_from_documents(
        parsed.documents, embedder, origin="chat", kind="chat", now=now
    )
    import_id = store.save_import(
        user.id,
        kind="chatgpt",
        name=name,
        content_hash=digest,
        now=now,
        stats={
            "conversations": len(parsed.documents),
            "skipped": len(parsed.skipped),
            "interests": len(interests),
        },
        new_interests=interests,
    )
    return ImportResult(import_id, len(parsed.documents), len(interests), parsed.skipped)


def import_notes(
    store: Store, embedder: Embedder, user: User, path: Path, *, now: datetime
) -> ImportResult:
    """Import a notes folder or zip (Markdown / text, e.g. an Obsidian vault)."""
    files = read_notes_source(path)
    digest = _digest(b"".join(k.encode() + b"\0" + v for k, v in sorted(files.items())))
    existing = store.find_import(user.id, digest)
    if existing is not None:
        return ImportResult(existing, 0, 0, [], already=True)
    documents, skipped = parse_notes(files, name=str(path), now=now)
    interests = interests_from_documents(documents, embedder, origin="note", kind="note", now=now)
    import_id = store.save_import(
        user.id,
        kind="notes",
        name=path.name,
        content_hash=digest,
        now=now,
        stats={"notes": len(documents), "skipped": len(skipped), "interests": len(interests)},
        new_interests=interests,
    )
    return ImportResult(import_id, len(documents), len(interests), skipped)


def add_topics(
    store: Store,
    embedder: Embedder,
    user: User,
    topics: list[str],
    *,
    now: datetime,
    origin: str = "onboarding",
) -> list[int]:
    """Topics typed by the person (onboarding or the profile page): one interest each."""
    cleaned = [" ".join(t.split()) for t in topics if t and t.strip()]
    if not cleaned:
        raise InvalidInput("give at least one topic, e.g. 'climate policy'")
    too_long = [t for t in cleaned if len(t) > 200]
    if too_long:
        raise InvalidInput(f"topic too long (200 characters at most): {too_long[0][:40]!r}…")
    vectors = embedder.embed(cleaned)
    ids = []
    for topic, vector in zip(cleaned, vectors, strict=True):
        ids.append(
            store.add_interest(
                user.id,
                NewInterest(
                    label=topic,
                    vector=vector,
                    model=embedder.name,
                    origin=origin,
                    weight=1.5,
                    evidence=[NewEvidence(kind=origin, ref=topic, text=topic, at=now)],
                ),
                now=now,
            )
        )
    return ids


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
    request_id = store.add_request(
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
    """Thumbs up/down, less like this, save/unsave, dismiss, open: recorded, then learned from."""
    if action not in ACTIONS:
        raise InvalidInput(f"unknown feedback {action!r}; use one of: {', '.join(ACTIONS)}")
    card = store.get_card(user.id, card_id)
    vector = store.card_vector(user.id, card_id)
    views = [
        InterestView(i.id, i.label, i.sign, i.weight, i.edited, store.interest_vector(i.id))
        for i in store.list_interests(user.id, now=now, with_evidence=False)
        if i.origin != "curate"
    ]
    intents = decide(action, card, vector, views)
    store.record_feedback(user.id, card.id, card.story_id, action, now=now)
    if intents.card_flags:
        card = store.set_card(user.id, card.id, **intents.card_flags)
    verb = {
        "up": "you liked",
        "down": "you did not want",
        "less": "you asked for less like",
        "save": "you saved",
    }.get(action, action)
    ev = NewEvidence(kind="card", ref=f"card {card.id}", text=f"{verb} “{card.headline}”", at=now)
    for interest_id in intents.evidence_for:
        store.add_evidence(interest_id, user.id, ev, now=now)
    for interest_id, weight in intents.reweight.items():
        store.learn_interest(
            user.id, interest_id, weight=weight, vector=intents.move.get(interest_id), now=now
        )
    for label, sign, weight, vec in intents.create:
        store.add_interest(
            user.id,
            NewInterest(
                label=label,
                vector=vec,
                model=_model_of(store, user, card),
                origin="feedback",
                sign=sign,
                weight=weight,
                evidence=[ev],
            ),
            now=now,
        )
    return card


def _model_of(store: Store, user: User, card: Card) -> str:
    """Card vectors are story centroids: the model that embedded the story's items."""
    if card.story_id is not None:
        model = store.story_model(card.story_id)
        if model:
            return model
    return ""
