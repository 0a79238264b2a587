"""ChatGPT exports and notes archives → documents; bad files → clear errors."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import SHARED_DATA, needs_shared_data

from aube.errors import InvalidInput
from aube.signals.chatgpt import parse_chatgpt_export
from aube.signals.notes import parse_notes, read_notes_source

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
EXPORTS = SHARED_DATA / "chatgpt_exports"


def conversation(title: str, *questions: str, created: float = 1_760_000_000.0) -> dict:
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": ["n0"]}}
    parent = "root"
    for i, q in enumerate(questions):
        for role, text in (("user", q), ("assistant", f"An answer about {title}.")):
            node = f"n{i}{role[0]}"
            mapping[node] = {
                "id": node,
                "parent": parent,
                "children": [],
                "message": {
                    "author": {"role": role},
                    "create_time": created,
                    "content": {"content_type": "text", "parts": [text]},
                },
            }
            mapping[parent]["children"] = [node]
            parent = node
    return {
        "title": title,
        "create_time": created,
        "update_time": created,
        "mapping": mapping,
        "current_node": parent,
    }


@needs_shared_data
def test_real_export_late_2023_schema() -> None:
    data = (EXPORTS / "real_single_conversation_2024" / "conversations.json").read_bytes()
    result = parse_chatgpt_export(data, name="conversations.json", now=NOW)
    assert len(result.documents) == 1
    doc = result.documents[0]
    assert doc.title == "Average Distance in U(0,1)"
    assert doc.at.year == 2023 and doc.text
    assert "You are ChatGPT" not in doc.text  # system and hidden context are not the user's words


@needs_shared_data
@pytest.mark.parametrize(
    "name",
    [
        "abekek_conversations.json",
        "ctxray_chatgpt_conversations.json",
        "looselips_examples_conversations.json",
    ],
)
def test_fixture_exports(name: str) -> None:
    data = (EXPORTS / "fixtures" / name).read_bytes()
    result = parse_chatgpt_export(data, name=name, now=NOW)
    assert result.documents and all(d.text.strip() for d in result.documents)


def test_zip_export_and_only_user_words() -> None:
    convs = [conversation("Rust lifetimes", "How do lifetimes work in Rust?")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("chat.html", "<html></html>")
        z.writestr("conversations.json", json.dumps(convs))
    result = parse_chatgpt_export(buffer.getvalue(), name="export.zip", now=NOW)
    assert result.documents[0].text == "How do lifetimes work in Rust?"


@pytest.mark.parametrize(
    ("data", "fault"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"a": 1}', "not a list of conversations"),
        (b"[]", "no usable conversation"),
        (json.dumps([{"title": "x", "messages": []}]).encode(), "unknown export schema"),
        (b"PK\x03\x04garbage", "not a readable zip"),
    ],
)
def test_bad_exports_are_refused_by_name(data: bytes, fault: str) -> None:
    with pytest.raises(InvalidInput, match=fault) as err:
        parse_chatgpt_export(data, name="my-export.json", now=NOW)
    assert "my-export.json" in str(err.value)


def test_a_looping_tree_does_not_hang() -> None:
    conv = conversation("Loop", "Is this a loop?")
    conv["mapping"]["root"]["parent"] = conv["current_node"]  # corrupt: a cycle
    result = parse_chatgpt_export(json.dumps([conv]).encode(), name="c.json", now=NOW)
    assert result.documents[0].text == "Is this a loop?"


def test_notes_folder(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / ".obsidian" / "app.json").write_text("{}")
    (tmp_path / "garden.md").write_text(
        "---\ndate: 2026-03-01\n---\n# Tomatoes\nPruning [[suckers]] early.\n"
    )
    (tmp_path / "empty.md").write_text("  \n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "rust.txt").write_text("Notes on the borrow checker and async Rust.")
    files = read_notes_source(tmp_path)
    docs, skipped = parse_notes(files, name=str(tmp_path), now=NOW)
    titles = {d.title for d in docs}
    assert titles == {"Tomatoes", "rust"}
    tomatoes = next(d for d in docs if d.title == "Tomatoes")
    assert tomatoes.at.date().isoformat() == "2026-03-01" and "suckers" in tomatoes.text
    assert skipped == ["empty.md: empty"]


def test_notes_with_nothing_in_them_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("")
    with pytest.raises(InvalidInput, match="no note with any text"):
        parse_notes(read_notes_source(tmp_path), name="vault", now=NOW)
    with pytest.raises(InvalidInput, match="does not exist"):
        read_notes_source(tmp_path / "missing")
