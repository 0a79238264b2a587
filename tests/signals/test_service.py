"""Imports, topics, requests and feedback applied to a profile; the profile is the user's:
exportable, editable, and an import can be taken back with everything it contributed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from newsworld import chat_export
from typer.testing import CliRunner

from aube.cli import app
from aube.config import Settings
from aube.enrich.factory import embedder_for
from aube.errors import InvalidInput, NotFound
from aube.signals import service
from aube.signals.export import export_user
from aube.store import Store

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
CHATS = {
    "Rust borrow checker": [
        "Why does the Rust borrow checker reject this loop?",
        "How do lifetimes work in Rust structs?",
    ],
    "Sourdough": ["How do I keep a sourdough starter alive?"],
}


def test_chat_import_is_idempotent_and_can_be_taken_back(store: Store, settings: Settings) -> None:
    emb = embedder_for(settings)
    user = store.add_user("ana", now=NOW)
    data = chat_export(CHATS, NOW)
    first = service.import_chats(store, emb, user, data, name="conversations.json", now=NOW)
    assert first.documents == 3 and first.interests >= 2 and not first.already
    again = service.import_chats(store, emb, user, data, name="conversations.json", now=NOW)
    assert again.already and again.import_id == first.import_id
    interests = store.list_interests(user.id)
    assert all(i.origin == "chat" and i.evidence for i in interests)
    assert {e.kind for i in interests for e in i.evidence} == {"chat"}
    # A typed topic is not part of the import and survives its deletion.
    service.add_topics(store, emb, user, ["climate policy"], now=NOW)
    removed = store.delete_import(user.id, first.import_id)
    assert removed == len(interests)
    assert [i.label for i in store.list_interests(user.id)] == ["climate policy"]
    assert store.list_imports(user.id) == []


def test_a_bad_import_stores_nothing(store: Store, settings: Settings) -> None:
    user = store.add_user("ana", now=NOW)
    with pytest.raises(InvalidInput, match="broken.json"):
        service.import_chats(
            store, embedder_for(settings), user, b"[{]", name="broken.json", now=NOW
        )
    assert store.list_imports(user.id) == [] and store.list_interests(user.id) == []


def test_requests_expire_and_can_be_withdrawn(store: Store, settings: Settings) -> None:
    emb = embedder_for(settings)
    user = store.add_user("ana", timezone="Europe/Paris", now=NOW)
    rid, intent = service.curate(store, emb, user, "less football this week", now=NOW)
    assert intent.action == "less"
    assert [r.id for r in store.list_requests(user.id, now=NOW)] == [rid]
    interest = next(i for i in store.list_interests(user.id) if i.origin == "curate")
    assert interest.sign == -1 and interest.expires_at is not None
    later = NOW + timedelta(days=3)
    assert store.list_requests(user.id, now=later) == []
    assert store.list_interests(user.id, now=later) == []  # expired: no longer acts
    rid2, _ = service.curate(store, emb, user, "nothing about crypto", now=NOW)
    store.remove_request(user.id, rid2)
    assert not any(i.label == "crypto" for i in store.list_interests(user.id))
    with pytest.raises(NotFound):
        store.remove_request(user.id + 1, rid)


def test_export_holds_everything_private(store: Store, settings: Settings) -> None:
    emb = embedder_for(settings)
    user = store.add_user("ana", now=NOW)
    service.import_chats(store, emb, user, chat_export(CHATS, NOW), name="c.json", now=NOW)
    service.curate(store, emb, user, "more on the Rust 2027 edition", now=NOW)
    data = export_user(store, user, now=NOW)
    json.dumps(data)  # plain JSON
    assert data["user"]["handle"] == "ana"
    assert {i["origin"] for i in data["interests"]} == {"chat", "curate"}
    assert data["requests"][0]["topic"] == "Rust 2027 edition"
    assert data["imports"][0]["kind"] == "chatgpt"


def test_profile_edits_are_the_users_and_learning_respects_them(
    store: Store, settings: Settings
) -> None:
    emb = embedder_for(settings)
    ana, bob = store.add_user("ana", now=NOW), store.add_user("bob", now=NOW)
    (iid,) = service.add_topics(store, emb, ana, ["climate policy"], now=NOW)
    edited = store.edit_interest(ana.id, iid, now=NOW, label="Climate", weight=2.5)
    assert (edited.label, edited.weight, edited.edited) == ("Climate", 2.5, True)
    store.learn_interest(ana.id, iid, weight=0.1, vector=None, now=NOW)  # feedback would do this
    assert store.get_interest(ana.id, iid).weight == 2.5  # what the person set stands
    with pytest.raises(NotFound):
        store.edit_interest(bob.id, iid, now=NOW, weight=0.0)
    with pytest.raises(InvalidInput, match="weight"):
        store.edit_interest(ana.id, iid, now=NOW, weight=99)
    with pytest.raises(NotFound):
        store.delete_interest(bob.id, iid)
    store.delete_interest(ana.id, iid)
    assert store.list_interests(ana.id) == []


def test_cli_people_commands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "d")]

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*base, *args], env={"AUBE_EMBED_BACKEND": "hashing"})
        assert result.exit_code == code, result.output
        return result.output

    run("users", "add", "ana", "--timezone", "Europe/Paris", "--topics", "climate policy, Rust")
    (tmp_path / "c.json").write_bytes(chat_export(CHATS, NOW))
    assert "interest(s)" in run("import", "chats", "ana", str(tmp_path / "c.json"))
    shown = run("profile", "show", "ana")
    assert "climate policy" in shown and "chat" in shown
    assert "none" in run("curate", "ana", "nothing about crypto")
    exported = json.loads(run("profile", "export", "ana"))
    assert exported["user"]["handle"] == "ana"
    assert "That's all for today." in run("edition", "ana")


def test_cli_errors_name_the_fault(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "d")]
    for args, fault in (
        (["edition", "nobody"], "no user 'nobody'"),
        (["users", "add", "Bad Name!"], "user name 'bad name!'"),
        (["users", "add", "ana", "--timezone", "Mars/Olympus"], "unknown time zone"),
        (["curate", "nobody", "more on X"], "no user 'nobody'"),
    ):
        result = runner.invoke(app, [*base, *args])
        assert fault in str(result.exception), (args, result.exception)
    assert runner.invoke(app, [*base, "users", "add", "ana"]).exit_code == 0
    result = runner.invoke(app, [*base, "feedback", "ana", "999", "up"])
    assert isinstance(result.exception, NotFound) and "no card 999" in str(result.exception)
    # The installed command prints the error (no traceback) and exits with status 2.
    import subprocess
    import sys
    from pathlib import Path

    aube = Path(sys.executable).with_name("aube")
    done = subprocess.run(
        [str(aube), *base, "edition", "nobody"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "error: no user 'nobody'" in done.stderr
    assert "Traceback" not in done.stderr
