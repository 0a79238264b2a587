"""The store, on SQLite and PostgreSQL: what a person would notice if it were wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from aube.errors import InvalidInput, NotFound, StoreError
from aube.store import Store, StoryState
from aube.store.db import head_revision, migrate
from aube.store.schema import metadata
from aube.types import NewItem, Summary

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def new_item(source_id: int, n: int, **changes: object) -> NewItem:
    base = NewItem(
        source_id=source_id,
        guid=f"g{n}",
        url=f"https://example.com/a/{n}",
        title=f"Title {n}",
        summary=f"Summary {n}.",
        text=f"Text of item {n}.",
        html=f"<p>Text of item {n}.</p>",
        author=None,
        published_at=T0 + timedelta(minutes=n),
        fetched_at=T0,
        lang="en",
        content_hash=f"{n:064d}",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_fresh_database_matches_schema(any_store: Store) -> None:
    with any_store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    assert diffs == []


def test_every_foreign_key_has_an_index() -> None:
    """A cascade (deleting a user, an interest, a story) looks up the rows pointing at what it
    deletes; without an index under the foreign key, every one of those lookups scans the
    whole table, and deleting an account gets slower with every card anyone was ever shown."""
    unindexed = []
    for table in metadata.sorted_tables:
        leading = {next(iter(ix.columns)).name for ix in table.indexes}
        leading |= {
            next(iter(c.columns)).name
            for c in table.constraints
            if c.__class__.__name__ in ("PrimaryKeyConstraint", "UniqueConstraint") and c.columns
        }
        for fk in table.foreign_keys:
            if fk.parent.name not in leading:
                unindexed.append(f"{table.name}.{fk.parent.name}")
    assert unindexed == []


def test_migrate_twice_is_harmless(any_store: Store) -> None:
    migrate(any_store.engine)
    migrate(any_store.engine)


def test_database_from_newer_aube_is_refused(any_store: Store) -> None:
    with any_store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreError, match="9999_future"):
        migrate(any_store.engine)


def test_sources_add_list_update_remove(any_store: Store) -> None:
    s, created = any_store.add_source("https://example.com/feed", now=T0, title="Example")
    assert created
    again, created = any_store.add_source("https://example.com/feed", now=T0)
    assert not created and again.id == s.id
    assert [x.url for x in any_store.list_sources()] == ["https://example.com/feed"]
    assert any_store.get_source("https://example.com/feed").id == s.id
    assert any_store.get_source(str(s.id)).title == "Example"
    assert any_store.update_source(s.id, enabled=False).enabled is False
    with pytest.raises(InvalidInput, match="full_text"):
        any_store.update_source(s.id, full_text="sometimes")
    with pytest.raises(NotFound):
        any_store.get_source("999")
    any_store.insert_items([new_item(s.id, 1)])
    assert any_store.remove_source(s.id, now=T0) == 1
    assert any_store.list_sources() == []
    assert any_store.count_items() == 0


def test_fetch_errors_are_recorded_and_cleared(any_store: Store) -> None:
    s, _ = any_store.add_source("https://example.com/feed", now=T0)
    any_store.record_fetch(s.id, now=T0, error="HTTP 500 from https://example.com/feed")
    any_store.record_fetch(s.id, now=T0, error="HTTP 500 from https://example.com/feed")
    failing = any_store.get_source(s.id)
    assert failing.error_count == 2 and "HTTP 500" in (failing.last_error or "")
    any_store.record_fetch(s.id, now=T0, etag='"abc"', title="Feed title")
    ok = any_store.get_source(s.id)
    assert ok.last_error is None and ok.error_count == 0 and ok.etag == '"abc"'
    assert ok.title == "Feed title" and ok.last_ok_at == T0


def test_items_are_stored_once(any_store: Store) -> None:
    s, _ = any_store.add_source("https://a.example/feed", now=T0)
    t, _ = any_store.add_source("https://b.example/feed", now=T0)
    first = any_store.insert_items([new_item(s.id, 1), new_item(s.id, 2), new_item(s.id, 2)])
    assert len(first.inserted) == 2 and first.duplicates == 1
    # Same guid again, same URL from another feed, same content under another URL: all duplicates.
    again = any_store.insert_items(
        [
            new_item(s.id, 1),
            new_item(t.id, 1, guid="other"),
            new_item(t.id, 2, guid="x", url="https://b.example/copy"),
        ]
    )
    assert again.inserted == [] and again.duplicates == 3
    # The same entry, edited by its publisher: updated in place.
    edited = any_store.insert_items(
        [new_item(s.id, 1, title="Title 1 (updated)", content_hash="e" * 64)]
    )
    assert edited.updated == first.inserted[:1]
    item = any_store.get_items(first.inserted[:1])[0]
    assert item.title == "Title 1 (updated)" and item.published_at.tzinfo is not None
    assert any_store.count_items() == 2
    assert any_store.known_guids(s.id, ["g1", "g9"]) == {"g1"}


def test_items_without_links_are_kept(any_store: Store) -> None:
    s, _ = any_store.add_source("https://a.example/feed", now=T0)
    result = any_store.insert_items([new_item(s.id, 1, url=""), new_item(s.id, 2, url="")])
    assert len(result.inserted) == 2


def test_naive_datetimes_are_refused(any_store: Store) -> None:
    with pytest.raises(Exception, match="naive"):
        any_store.add_source("https://a.example/feed", now=datetime(2026, 1, 1))


def test_embeddings_round_trip(any_store: Store) -> None:
    v = np.arange(4, dtype=np.float32) / 10
    any_store.put_embeddings("m", {"h1": v})
    any_store.put_embeddings("m", {"h1": v, "h2": v * 2})  # h1 again: kept, not duplicated
    got = any_store.get_embeddings(["h1", "h2", "h3"], "m")
    assert set(got) == {"h1", "h2"}
    np.testing.assert_array_equal(got["h2"], v * 2)
    assert any_store.get_embeddings(["h1"], "other") == {}


def test_stories_develop_and_keep_their_id(any_store: Store) -> None:
    a, _ = any_store.add_source("https://a.example/feed", now=T0, title="A")
    b, _ = any_store.add_source("https://b.example/feed", now=T0, title="B")
    ids = any_store.insert_items([new_item(a.id, 1), new_item(b.id, 2)]).inserted
    state = StoryState(-1, T0, T0, np.ones(4, dtype=np.float32) / 2, 1, {"entities": {"Fed": 2}})
    changed = any_store.apply_clustering([state], [(ids[0], -1), (ids[1], -1)], model="m", now=T0)
    story = any_store.get_story(changed[0])
    assert (story.version, story.item_count, story.publisher_count) == (1, 2, 2)
    assert {i.publisher for i in story.items} == {"A", "B"}
    later = T0 + timedelta(days=1)
    more = any_store.insert_items([new_item(a.id, 3, published_at=later)]).inserted
    grown = StoryState(story.id, T0, later, np.ones(4, dtype=np.float32) / 2, 3, {})
    assert any_store.apply_clustering([grown], [(more[0], story.id)], model="m", now=later) == [
        story.id
    ]
    developed = any_store.get_story(story.id)
    assert developed.version == 2 and developed.item_count == 3
    assert [i.item_id for i in any_store.new_in_story_since(story.id, T0)] == more
    open_states = any_store.open_story_states(since=T0, model="m")
    assert [s.story_id for s in open_states] == [story.id]
    assert any_store.open_story_states(since=T0, model="other-model") == []
    listed = any_store.list_stories(since=T0 - timedelta(days=1))
    assert [s.id for s in listed] == [story.id]


def test_summary_cache(any_store: Store) -> None:
    a, _ = any_store.add_source("https://a.example/feed", now=T0)
    ids = any_store.insert_items([new_item(a.id, 1)]).inserted
    state = StoryState(-1, T0, T0, np.ones(4, dtype=np.float32) / 2, 1, {})
    sid = any_store.apply_clustering([state], [(ids[0], -1)], model="m", now=T0)[0]
    summary = Summary(headline="H", sentences=("One.", "Two."), backend="extractive")
    any_store.put_summary("k1", sid, 1, summary, now=T0)
    any_store.put_summary("k1", sid, 1, summary, now=T0)  # idempotent
    assert any_store.get_summary("k1") == summary
    story = any_store.get_story(sid)
    assert story.headline == "H" and story.summary == "One. Two."
    assert any_store.story_hashes([sid])[sid][2] == "k1"


def test_runs_are_recorded(any_store: Store) -> None:
    run = any_store.start_run("ingest", now=T0, params={"sources": 3})
    any_store.finish_run(run, now=T0 + timedelta(seconds=5), status="ok", counts={"new": 4})
    got = any_store.get_run(run)
    assert got.status == "ok" and got.counts == {"new": 4} and got.params == {"sources": "3"}
    assert [r.id for r in any_store.list_runs(job="ingest")] == [run]
