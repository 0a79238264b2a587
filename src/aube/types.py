"""Plain frozen values passed between stages (nothing here touches the network or the database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

FullText = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class Source:
    """A feed Aube reads. Shared by every user who follows it."""

    id: int
    url: str
    title: str
    full_text: FullText
    enabled: bool
    added_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    last_fetched_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_error: str | None = None
    error_count: int = 0
    site_url: str | None = None
    is_default: bool = True  # followed by every user who has not chosen otherwise


@dataclass(frozen=True)
class NewItem:
    """An entry ready to be stored: cleaned, sanitized, hashed, not yet given an id."""

    source_id: int
    guid: str
    url: str
    title: str
    summary: str  # plain text, the feed's own summary
    text: str  # plain text of the best body we have (article > content > summary)
    html: str  # sanitized HTML of that body, safe to render
    author: str | None
    published_at: datetime  # aware UTC; the fetch time when the feed gave none
    fetched_at: datetime
    lang: str | None
    content_hash: str  # hash of title + text: the key of embeddings and summaries
    full_text_extracted: bool = False


@dataclass(frozen=True)
class Item:
    id: int
    source_id: int
    guid: str
    url: str
    title: str
    summary: str
    text: str
    html: str
    author: str | None
    published_at: datetime
    fetched_at: datetime
    lang: str | None
    content_hash: str
    publisher: str = ""  # the source's title, for display and cross-publisher counts


@dataclass(frozen=True)
class StoryItem:
    """An item as one of a story's sources."""

    item_id: int
    title: str
    url: str
    publisher: str
    published_at: datetime
    added_at: datetime


@dataclass(frozen=True)
class Story:
    """A cluster of items about one event, shared by all users. ``version`` grows when it develops."""

    id: int
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime
    version: int
    item_count: int
    publisher_count: int
    headline: str = ""
    summary: str = ""
    summary_backend: str = ""
    items: tuple[StoryItem, ...] = field(default=())


@dataclass(frozen=True)
class Summary:
    """What a summarizer wrote for one version of a story."""

    headline: str
    sentences: tuple[str, ...]
    key_points: tuple[str, ...] = ()
    backend: str = "extractive"
    model: str = ""
    prompt_version: str = ""

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True)
class Run:
    id: int
    job: str
    started_at: datetime
    finished_at: datetime | None
    status: Literal["running", "ok", "failed", "partial"]
    counts: dict[str, int | float]
    error: str | None
    params: dict[str, str]


# -- people

Origin = Literal["onboarding", "chat", "note", "feedback", "curate", "manual"]
CardKind = Literal["story", "update", "top"]
FeedbackAction = Literal["up", "down", "less", "save", "unsave", "dismiss", "open"]


@dataclass(frozen=True)
class User:
    id: int
    handle: str
    display_name: str
    email: str | None
    timezone: str
    language: str
    edition_size: int
    morning_time: str  # HH:MM in the user's time zone
    is_admin: bool
    created_at: datetime


@dataclass(frozen=True)
class Evidence:
    """Why Aube believes an interest: one chat, note, card, request or onboarding topic."""

    id: int
    interest_id: int
    kind: str  # chat, note, card, request, onboarding, manual
    ref: str  # what it points to: a conversation title, a card id, a request's words…
    text: str
    at: datetime
    weight: float


@dataclass(frozen=True)
class Interest:
    """A weighted, explainable topic in a profile; ``sign`` -1 is a topic the user does not want."""

    id: int
    user_id: int
    label: str
    sign: int
    weight: float
    hard: bool
    origin: Origin
    created_at: datetime
    updated_at: datetime
    last_evidence_at: datetime
    expires_at: datetime | None
    edited: bool
    import_id: int | None = None
    request_id: int | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class CurateRequest:
    id: int
    user_id: int
    text: str
    action: str  # more, less, none, recap
    topic: str
    created_at: datetime
    expires_at: datetime | None
    status: str  # active, expired, removed


@dataclass(frozen=True)
class CardSource:
    publisher: str
    title: str
    url: str
    published_at: str  # ISO, as stored in the card


@dataclass(frozen=True)
class Card:
    id: int
    edition_id: int
    user_id: int
    position: int
    kind: CardKind
    story_id: int | None
    story_version: int
    headline: str
    summary: str
    reason: str
    interest_id: int | None
    interest_label: str
    sources: tuple[CardSource, ...]
    changes: tuple[str, ...]  # for an update: what changed since the user last saw the story
    score: float
    saved: bool
    dismissed: bool
    feedback: str | None
    created_at: datetime
    date: str = ""  # the edition's date
    personal_line: str = ""  # "why this matters to you", when personal_lines is on


@dataclass(frozen=True)
class Edition:
    id: int
    user_id: int
    date: str  # the user's local date, YYYY-MM-DD
    created_at: datetime
    quiet: bool  # fewer cards than asked for, because little was relevant
    cards: tuple[Card, ...]
    meta: dict[str, object] = field(default_factory=dict)
