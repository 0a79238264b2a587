"""The private Atom feed, parsed back with feedparser as a feed reader would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from deliver.helpers import add_news, add_reader

from aube.clock import fixed_clock
from aube.config import load_settings
from aube.deliver import render_atom, service
from aube.errors import NotFound
from aube.pipeline.worker import PERSONAL_KINDS, Worker
from aube.store import Store

MORNING = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path):
    settings = load_settings(
        data_dir=tmp_path / "data", embed_backend="hashing", public_url="https://aube.example.org"
    )
    store = Store.open(settings)
    add_news(store, settings, MORNING - timedelta(hours=2))
    yield settings, store
    store.close()


def test_a_feed_has_one_entry_per_card_once_the_morning_comes(world) -> None:
    settings, store = world
    ada = add_reader(store, settings, "ada", MORNING - timedelta(days=2))
    bob = add_reader(store, settings, "bob", MORNING - timedelta(days=2), topics=("football",))
    _, token = service.create_feed(store, ada, now=MORNING - timedelta(days=1))
    _, bob_token = service.create_feed(store, bob, now=MORNING - timedelta(days=1))

    # Built ahead of the morning: not in the feed yet.
    early = MORNING - timedelta(minutes=20)
    Worker(store, settings, fixed_clock(early)).run_once(kinds=PERSONAL_KINDS)
    assert store.get_edition(ada.id, "2026-11-28") is not None
    before = feedparser.parse(render_atom(store, settings, token))
    assert not before.bozo and before.entries == []
    assert before.feed.title == "Aube: Ada's morning briefing"

    Worker(store, settings, fixed_clock(MORNING)).run_once(kinds=PERSONAL_KINDS)
    body = render_atom(store, settings, token)
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    edition = store.get_edition(ada.id, "2026-11-28")
    assert edition is not None and edition.cards
    assert [e.title for e in feed.entries] == [c.headline for c in edition.cards]
    assert [e.link for e in feed.entries] == [
        f"https://aube.example.org/cards/{c.id}" for c in edition.cards
    ]
    assert all(e.id.startswith("urn:uuid:") for e in feed.entries)
    assert len({e.id for e in feed.entries}) == len(edition.cards)
    assert feed.entries[0].published_parsed[:5] == (2026, 11, 28, 7, 0)
    assert edition.cards[0].reason in feed.entries[0].content[0].value
    assert any(
        link.rel == "self" and link.href.endswith(f"/feed/{token}.atom") for link in feed.feed.links
    )
    # Each feed holds its owner's cards only.
    bob_feed = feedparser.parse(render_atom(store, settings, bob_token))
    bob_cards = store.get_edition(bob.id, "2026-11-28").cards
    assert [e.link for e in bob_feed.entries] == [
        f"https://aube.example.org/cards/{c.id}" for c in bob_cards
    ]
    assert not {e.id for e in bob_feed.entries} & {e.id for e in feed.entries}
    # Rendering again gives the same document: readers see nothing new.
    assert render_atom(store, settings, token) == body


def test_regenerate_and_revoke(world) -> None:
    settings, store = world
    ada = add_reader(store, settings, "ada", MORNING - timedelta(days=2))
    _, old = service.create_feed(store, ada, now=MORNING - timedelta(days=1))
    Worker(store, settings, fixed_clock(MORNING)).run_once(kinds=PERSONAL_KINDS)
    first = feedparser.parse(render_atom(store, settings, old))

    _, new = service.create_feed(store, ada, now=MORNING + timedelta(hours=1))
    assert new != old
    with pytest.raises(NotFound, match="no feed at this address"):
        render_atom(store, settings, old)
    again = feedparser.parse(render_atom(store, settings, new))
    # Same feed, same entries, for a reader that subscribes to the new address.
    assert again.feed.id == first.feed.id
    assert [e.id for e in again.entries] == [e.id for e in first.entries]

    assert service.revoke_feed(store, ada, now=MORNING + timedelta(hours=2))
    with pytest.raises(NotFound):
        render_atom(store, settings, new)
    for junk in ("", "x", "../../etc/passwd", "a" * 500):
        with pytest.raises(NotFound):
            render_atom(store, settings, junk)
    # Only the token's hash is stored.
    with store.engine.connect() as conn:
        from sqlalchemy import text

        stored = [r[0] for r in conn.execute(text("SELECT secret_hash FROM delivery_channels"))]
    assert new not in stored and old not in stored
