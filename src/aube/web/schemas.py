"""The JSON API's shapes (they are its OpenAPI document's schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from aube.compose.edition import END_MARKER
from aube.types import Card, CurateRequest, Edition, Interest, User


class SourceOut(BaseModel):
    publisher: str
    title: str
    url: str
    published_at: str = Field(description="ISO 8601")


class CardOut(BaseModel):
    id: int
    date: str = Field(description="The edition's date (the reader's local day), YYYY-MM-DD")
    position: int
    kind: Literal["story", "update", "top"]
    headline: str
    summary: str
    reason: str = Field(description="Why this card is in your edition")
    interest_label: str
    changes: list[str] = Field(description="For an update: what changed since you last saw it")
    sources: list[SourceOut]
    story_id: int | None
    saved: bool
    dismissed: bool
    feedback: str | None

    @classmethod
    def of(cls, card: Card) -> CardOut:
        return cls(
            id=card.id,
            date=card.date,
            position=card.position,
            kind=card.kind,
            headline=card.headline,
            summary=card.summary,
            reason=card.reason,
            interest_label=card.interest_label,
            changes=list(card.changes),
            sources=[
                SourceOut(
                    publisher=s.publisher, title=s.title, url=s.url, published_at=s.published_at
                )
                for s in card.sources
            ],
            story_id=card.story_id,
            saved=card.saved,
            dismissed=card.dismissed,
            feedback=card.feedback,
        )


class EditionOut(BaseModel):
    date: str
    created_at: datetime
    quiet: bool = Field(description="Fewer cards than your edition size: little was relevant")
    cards: list[CardOut]
    end: str = Field(END_MARKER, description="An edition is finite; this closes it")

    @classmethod
    def of(cls, edition: Edition) -> EditionOut:
        return cls(
            date=edition.date,
            created_at=edition.created_at,
            quiet=edition.quiet,
            cards=[CardOut.of(c) for c in edition.cards],
        )


class CardsOut(BaseModel):
    cards: list[CardOut]


class DatesOut(BaseModel):
    dates: list[str] = Field(description="Dates of your editions, newest first")


class UserOut(BaseModel):
    id: int
    handle: str
    display_name: str
    email: str | None
    timezone: str
    language: str
    edition_size: int
    morning_time: str
    is_admin: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            handle=user.handle,
            display_name=user.display_name,
            email=user.email,
            timezone=user.timezone,
            language=user.language,
            edition_size=user.edition_size,
            morning_time=user.morning_time,
            is_admin=user.is_admin,
        )


class EvidenceOut(BaseModel):
    kind: str
    ref: str
    text: str
    at: datetime
    weight: float


class InterestOut(BaseModel):
    id: int
    label: str
    sign: Literal[1, -1] = Field(description="1: wanted, -1: not wanted")
    weight: float
    hard: bool = Field(description="A block ('nothing about X'), not a preference")
    origin: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    edited: bool = Field(description="Changed by you: learning leaves it alone")
    evidence: list[EvidenceOut]

    @classmethod
    def of(cls, i: Interest) -> InterestOut:
        return cls(
            id=i.id,
            label=i.label,
            sign=1 if i.sign >= 0 else -1,
            weight=i.weight,
            hard=i.hard,
            origin=i.origin,
            created_at=i.created_at,
            updated_at=i.updated_at,
            expires_at=i.expires_at,
            edited=i.edited,
            evidence=[
                EvidenceOut(kind=e.kind, ref=e.ref, text=e.text, at=e.at, weight=e.weight)
                for e in i.evidence
            ],
        )


class ImportOut(BaseModel):
    id: int
    kind: str
    name: str
    created_at: datetime
    stats: dict[str, Any]


class ProfileOut(BaseModel):
    interests: list[InterestOut]
    imports: list[ImportOut]


class RequestOut(BaseModel):
    id: int
    text: str
    action: Literal["more", "less", "none", "recap"]
    topic: str
    created_at: datetime
    expires_at: datetime | None
    status: str

    @classmethod
    def of(cls, r: CurateRequest) -> RequestOut:
        return cls(
            id=r.id,
            text=r.text,
            action=r.action,
            topic=r.topic,  # type: ignore[arg-type]
            created_at=r.created_at,
            expires_at=r.expires_at,
            status=r.status,
        )


class RequestsOut(BaseModel):
    requests: list[RequestOut]


class FeedbackIn(BaseModel):
    action: Literal["up", "down", "less", "save", "unsave", "dismiss", "open"]


class CurateIn(BaseModel):
    text: str = Field(min_length=1, max_length=500, examples=["nothing about crypto"])


class TopicsIn(BaseModel):
    topics: list[str] = Field(min_length=1, max_length=30, examples=[["climate policy", "Rust"]])


class InterestPatch(BaseModel):
    label: str | None = Field(None, min_length=1, max_length=200)
    weight: float | None = Field(None, ge=0, le=10)
    sign: Literal[1, -1] | None = None
