"""Each use case is one transaction: when it fails half-way, a person finds everything as it
was before they clicked, never half of what they asked; and two of the same at once are one.

Faults are planted in the database itself (``faults.fail_writes``), so the code runs as in
production up to the statement that fails."""

from __future__ import annotations

import pytest
from faults import FAULT, fail_writes, heal
from newsworld import chat_export
from sqlalchemy.exc import DBAPIError
from support import NOW
from typer.testing import CliRunner

from aube.cli import app
from aube.enrich.embed import Embedder, HashingEmbedder
from aube.errors import InvalidInput
from aube.signals import service
from aube.store import NewCard, NewEdition, Store
from aube.types import User

DAY = NOW.date().isoformat()
CHATS = {
    "Trade tariffs": ["Why are tariffs on steel rising?", "Who pays for import tariffs?"],
    "Sourdough": ["How do I keep a sourdough starter alive?"],
}


def _card(store: Store, user: User, interest_id: int, embedder: Embedder) -> int:
    """A card in today's edition, chosen for ``interest_id``."""
    (vector,) = embedder.embed(["steel import tariffs rise again"])
    card = NewCard(
        kind="story",
        story_id=None,
        story_version=0,
        headline="Steel tariffs rise again",
        summary="",
        reason="",
        interest_id=interest_id,
        interest_label="trade tariffs",
        sources=[],
        changes=[],
        score=1.0,
        vector=vector,
    )
    store.save_editions([NewEdition(user.id, DAY, [card], quiet=False)], now=NOW)
    edition = store.get_edition(user.id, DAY)
    assert edition is not None
    return edition.cards[0].id


def _profile(store: Store, user: User) -> list[tuple[object, ...]]:
    return [
        (i.id, i.label, i.sign, i.weight, len(i.evidence), i.updated_at)
        for i in store.list_interests(user.id)
    ]


def test_a_thumbs_down_whose_learning_fails_keeps_nothing(any_store: Store) -> None:
    embedder = HashingEmbedder()
    ana = any_store.add_user("ana", now=NOW)
    (trade,) = service.add_topics(any_store, embedder, ana, ["trade tariffs"], now=NOW)
    card_id = _card(any_store, ana, trade, embedder)
    before = _profile(any_store, ana)
    # The down vote is recorded, the card flagged and the evidence written; then moving the
    # interest's weight fails.
    fail_writes(any_store, "interests", "UPDATE", column="weight")
    with pytest.raises(DBAPIError, match=FAULT):
        service.give_feedback(any_store, ana, card_id, "down", now=NOW)
    assert any_store.feedback_log(ana.id) == []
    assert any_store.get_card(ana.id, card_id).feedback is None
    assert _profile(any_store, ana) == before
    # Once the fault is gone the same click works, and learns once.
    heal(any_store, "interests", "UPDATE")
    card = service.give_feedback(any_store, ana, card_id, "down", now=NOW)
    assert card.feedback == "down"
    assert [f["action"] for f in any_store.feedback_log(ana.id)] == ["down"]
    learned = {i.id: i for i in any_store.list_interests(ana.id)}
    assert learned[trade].weight < 1.5 and len(learned[trade].evidence) == 2
    assert any(i.sign == -1 and i.origin == "feedback" for i in learned.values())


class _DoubleClick:
    """An embedder during whose work the same file is imported again, as a second upload of
    it (a double click, a retried request) would be while the first is being read."""

    def __init__(self, store: Store, user: User, data: bytes) -> None:
        self.inner = HashingEmbedder()
        self.name = self.inner.name
        self.store, self.user, self.data = store, user, data
        self.second: service.ImportResult | None = None

    def embed(self, texts: list[str]):  # type: ignore[no-untyped-def]
        if self.second is None:
            self.second = service.import_chats(
                self.store, self.inner, self.user, self.data, name="again.json", now=NOW
            )
        return self.inner.embed(texts)


def test_the_same_import_twice_at_once_is_one_import(any_store: Store) -> None:
    ana = any_store.add_user("ana", now=NOW)
    data = chat_export(CHATS, NOW)
    embedder = _DoubleClick(any_store, ana, data)
    first = service.import_chats(any_store, embedder, ana, data, name="chats.json", now=NOW)  # type: ignore[arg-type]
    second = embedder.second
    assert second is not None and not second.already and second.interests >= 2
    assert first.already and first.import_id == second.import_id
    assert [i["id"] for i in any_store.list_imports(ana.id)] == [second.import_id]
    labels = [i.label for i in any_store.list_interests(ana.id)]
    assert len(labels) == second.interests == len(set(labels))


def test_topics_typed_together_are_stored_together(any_store: Store) -> None:
    embedder = HashingEmbedder()
    ana = any_store.add_user("ana", now=NOW)
    fail_writes(any_store, "interests", "INSERT", when="{row}.label = 'sourdough'")
    with pytest.raises(DBAPIError, match=FAULT):
        service.add_topics(any_store, embedder, ana, ["climate policy", "sourdough"], now=NOW)
    assert any_store.list_interests(ana.id) == []


def test_a_new_user_whose_topics_fail_is_not_created(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "d")]
    env = {"AUBE_EMBED_BACKEND": "hashing"}
    long_topic = "x" * 201
    failed = runner.invoke(
        app, [*base, "users", "add", "ana", "--topics", f"rust, {long_topic}"], env=env
    )
    assert isinstance(failed.exception, InvalidInput) and "topic too long" in str(failed.exception)
    # Nothing was created: the same command, fixed, simply works.
    fixed = runner.invoke(app, [*base, "users", "add", "ana", "--topics", "rust, climate"], env=env)
    assert fixed.exit_code == 0, fixed.output
    listed = runner.invoke(app, [*base, "profile", "show", "ana"], env=env)
    assert "rust" in listed.output and "climate" in listed.output
