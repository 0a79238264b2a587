"""Private Atom feeds: one per user, at a secret URL, one entry per card.

The feed token is a bearer secret (whoever has the URL reads the cards), so only its SHA-256
is stored: a copy of the database, or a backup that leaks, does not let anyone read future
editions. The price is that the URL is shown once, when it is made; "regenerate" makes a new
one (and the old URL stops working), "revoke" ends the feed.

A day's edition enters the feed when the worker *publishes* it on the Atom channel at the
user's morning time (a delivery like any other, recorded once); an edition built ahead of
the morning stays out of the feed until then. Entry ids are stable ``urn:uuid`` values derived
from the user and the card, so a reader never shows an entry twice, even after the feed's
address is regenerated or the server's public URL changes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import datetime

from feedgen.feed import FeedGenerator

from aube.config import Settings
from aube.deliver.base import Outgoing, card_url, feed_url
from aube.deliver.render import card_view, templates
from aube.errors import NotFound
from aube.store import Store
from aube.types import Card, Edition, User

ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _urn(*parts: object) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "aube:" + ":".join(map(str, parts))))


def feed_id(user: User) -> str:
    return _urn("feed", user.id, user.created_at.isoformat())


def entry_id(user: User, card: Card) -> str:
    return _urn("card", user.id, user.created_at.isoformat(), card.id)


def render_atom(store: Store, settings: Settings, token: str) -> bytes:
    """The Atom document for the feed at ``/feed/{token}.atom``; NotFound for a token that
    is unknown or revoked (say "not found", never which)."""
    channel = store.channel_by_secret_hash(token_hash(token)) if _TOKEN.match(token) else None
    if channel is None or channel.kind != "atom" or not channel.enabled:
        raise NotFound("no feed at this address (it may have been revoked or regenerated)")
    user = store.get_user(channel.user_id)
    published = store.list_deliveries(
        channel_id=channel.id, statuses=("sent",), limit=settings.feed_days
    )
    editions: list[tuple[datetime, Edition]] = []
    for delivery in published:
        edition = store.get_edition(user.id, delivery.date)
        if edition is not None and delivery.sent_at is not None:
            editions.append((delivery.sent_at, edition))
    return build_feed(settings, user, editions, token=token, since=channel.created_at)


def build_feed(
    settings: Settings,
    user: User,
    editions: list[tuple[datetime, Edition]],
    *,
    token: str,
    since: datetime,
) -> bytes:
    """The feed for ``editions`` (with the time each was published), newest first."""
    fg = FeedGenerator()
    fg.id(feed_id(user))
    fg.title(f"Aube: {user.display_name}'s morning briefing")
    fg.subtitle("The few things worth knowing today, then that's all.")
    fg.link(href=feed_url(settings, token), rel="self", type="application/atom+xml")
    fg.link(href=settings.public_url, rel="alternate", type="text/html")
    fg.author({"name": "Aube"})
    fg.generator("Aube")
    fg.language(user.language)
    fg.updated(max([at for at, _ in editions], default=since))
    env = templates()
    entry_html = env.get_template("atom_entry.html.j2")
    for published, edition in sorted(editions, key=lambda p: p[1].date, reverse=True):
        for card in edition.cards:
            fe = fg.add_entry(order="append")
            fe.id(entry_id(user, card))
            fe.title(("Update: " if card.kind == "update" else "") + card.headline)
            # One link only: feedgen 1.0 drops a link's rel, so a second would be an alternate too.
            fe.link(href=card_url(settings, card.id), rel="alternate", type="text/html")
            fe.published(published)
            fe.updated(published)
            if card.summary:
                fe.summary(card.summary)
            fe.content(entry_html.render(card=card_view(settings, card)), type="html")
            if card.interest_label:
                fe.category(term=card.interest_label)
    return fg.atom_str(pretty=False)


class AtomChannel:
    """Publishing on the feed: nothing leaves the server; the reader comes to fetch it."""

    kind = "atom"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def prepare(self, outgoing: Outgoing) -> Outgoing:
        return outgoing

    def send(self, prepared: Outgoing) -> str:
        cards = len(prepared.edition.cards)
        return f"published in the Atom feed ({cards} entr{'y' if cards == 1 else 'ies'})"

    def close(self) -> None:
        pass


__all__ = [
    "ATOM_MEDIA_TYPE",
    "AtomChannel",
    "build_feed",
    "new_feed_token",
    "render_atom",
    "token_hash",
]
