"""ChatGPT's "Export data" ``conversations.json`` (or the export's zip) → documents.

The format: a list of conversations, each with a ``mapping`` tree (node id → {message,
parent, children}); the visible thread is found by walking parents from ``current_node``.
Only what the user wrote is read: their questions say what they care about."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aube.errors import InvalidInput
from aube.signals.documents import MAX_IMPORT_BYTES, Document, read_zip_member

MAX_TEXT = 4000


@dataclass
class ChatImport:
    documents: list[Document]
    skipped: list[str] = field(default_factory=list)  # why each unusable conversation was skipped


def parse_chatgpt_export(data: bytes, *, name: str, now: datetime) -> ChatImport:
    """Conversations with at least one message from the user. Raises InvalidInput, naming the
    file and the fault, when the file is not a ChatGPT export or holds no usable conversation."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(f"{name} is larger than {MAX_IMPORT_BYTES // 2**20} MB")
    if data[:4] == b"PK\x03\x04":
        members = read_zip_member(data, ("conversations.json",), name=name)
        if not members:
            raise InvalidInput(
                f"{name} is a zip without conversations.json: is it a ChatGPT export?"
            )
        data = next(iter(members.values()))
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            f"{name} is not valid JSON ({exc}); expected ChatGPT's conversations.json"
        ) from None
    if isinstance(raw, dict) and isinstance(raw.get("conversations"), list):
        raw = raw["conversations"]
    if not isinstance(raw, list):
        raise InvalidInput(f"{name} is JSON but not a list of conversations: not a ChatGPT export")
    result = ChatImport(documents=[])
    for index, conv in enumerate(raw):
        label = f"conversation {index + 1}"
        if not isinstance(conv, dict):
            result.skipped.append(f"{label}: not an object")
            continue
        title = str(conv.get("title") or "").strip()
        label = f"{label} ({title!r})" if title else label
        mapping = conv.get("mapping")
        if not isinstance(mapping, dict):
            result.skipped.append(f"{label}: no 'mapping' (unknown export schema)")
            continue
        texts = [t for t in _user_messages(mapping, conv.get("current_node")) if t.strip()]
        if not texts:
            result.skipped.append(f"{label}: no message from the user")
            continue
        at = _time(conv.get("update_time")) or _time(conv.get("create_time")) or now
        text = "\n".join(texts)[:MAX_TEXT]
        ref = title or texts[0][:80]
        result.documents.append(Document(ref=ref, title=title or texts[0][:120], text=text, at=at))
    if not result.documents:
        why = "; ".join(result.skipped[:5]) or "it holds no conversations"
        raise InvalidInput(f"{name}: no usable conversation ({why})")
    return result


def _time(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and 0 < value < 1e11:
        return datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _thread(mapping: dict[str, Any], current: Any) -> list[dict[str, Any]]:
    """The visible thread, oldest first; every message when there is no usable current node."""
    if isinstance(current, str) and current in mapping:
        path, seen, node_id = [], set(), current
        while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
            seen.add(node_id)  # a corrupt file could make the parent links loop
            node = mapping[node_id]
            if not isinstance(node, dict):
                break
            path.append(node)
            node_id = node.get("parent")
        return list(reversed(path))
    nodes = [n for n in mapping.values() if isinstance(n, dict)]
    return sorted(
        nodes,
        key=lambda n: (
            _time((n.get("message") or {}).get("create_time")) or datetime.min.replace(tzinfo=UTC)
        ),
    )


def _user_messages(mapping: dict[str, Any], current: Any) -> list[str]:
    texts = []
    for node in _thread(mapping, current):
        message = node.get("message")
        if not isinstance(message, dict):
            continue
        author = message.get("author") or {}
        if not isinstance(author, dict) or author.get("role") != "user":
            continue
        meta = message.get("metadata") or {}
        if isinstance(meta, dict) and (
            meta.get("is_visually_hidden_from_conversation") or meta.get("is_user_system_message")
        ):
            continue  # custom instructions and hidden context, not a question
        content = message.get("content") or {}
        parts = content.get("parts") if isinstance(content, dict) else None
        if isinstance(content, dict) and isinstance(content.get("text"), str) and not parts:
            parts = [content["text"]]
        for part in parts or []:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
    return texts
