"""A notes archive (a folder or a zip of Markdown/text files, e.g. an Obsidian vault) → documents."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from aube.errors import InvalidInput
from aube.signals.documents import MAX_IMPORT_BYTES, Document, read_zip_member

SUFFIXES = (".md", ".markdown", ".txt")
MAX_TEXT = 4000
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_DATE_LINE = re.compile(
    r"^(?:date|created)\s*:\s*['\"]?(\d{4}-\d{2}-\d{2})", re.MULTILINE | re.IGNORECASE
)
_MARKUP = [
    (re.compile(r"```.*?```", re.DOTALL), " "),  # code blocks say little about interests
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), " "),  # images
    (re.compile(r"\[\[([^\]|]+)\|?([^\]]*)\]\]"), r"\1 \2"),  # [[wiki links]]
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"https?://\S+"), " "),
    (re.compile(r"^[>\-*+\s]*(\[[ xX]\]\s*)?", re.MULTILINE), ""),  # quotes, bullets, tasks
    (re.compile(r"[#*_`~|]+"), " "),
]


def parse_notes(
    files: dict[str, bytes], *, name: str, now: datetime
) -> tuple[list[Document], list[str]]:
    """Documents from (path → bytes); returns (documents, why each skipped file was skipped)."""
    documents: list[Document] = []
    skipped: list[str] = []
    for path in sorted(files):
        if any(part.startswith(".") for part in Path(path).parts):
            continue  # .obsidian/, .trash/: settings and deleted notes
        raw = files[path]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        at = now
        match = _FRONT_MATTER.match(text)
        if match:
            when = _DATE_LINE.search(match.group(1))
            if when:
                try:
                    at = datetime.combine(
                        date.fromisoformat(when.group(1)), datetime.min.time(), UTC
                    )
                except ValueError:
                    pass
            text = text[match.end() :]
        heading = _HEADING.search(text)
        title = heading.group(1).strip() if heading else Path(path).stem.replace("_", " ")
        body = text
        for pattern, replacement in _MARKUP:
            body = pattern.sub(replacement, body)
        body = re.sub(r"\s+", " ", body).strip()
        if len(body) < 3:  # a file name alone says nothing
            skipped.append(f"{path}: empty")
            continue
        documents.append(Document(ref=path, title=title[:200], text=body[:MAX_TEXT], at=at))
    if not documents:
        why = f" ({'; '.join(skipped[:5])})" if skipped else ""
        raise InvalidInput(f"{name}: no note with any text in it (Markdown or .txt files){why}")
    return documents, skipped


def read_notes_source(path: Path) -> dict[str, bytes]:
    """The note files of a folder or a zip, refusing what is too large."""
    if not path.exists():
        raise InvalidInput(f"{path} does not exist")
    if path.is_file():
        data = path.read_bytes()
        if data[:4] == b"PK\x03\x04":
            return read_zip_member(data, SUFFIXES, name=str(path))
        if path.suffix.lower() in SUFFIXES:
            return {path.name: data}
        raise InvalidInput(f"{path} is neither a folder, a zip, nor a .md/.txt note")
    files: dict[str, bytes] = {}
    total = 0
    for file in sorted(path.rglob("*")):
        if file.is_file() and file.suffix.lower() in SUFFIXES:
            total += file.stat().st_size
            if total > MAX_IMPORT_BYTES:
                raise InvalidInput(
                    f"{path} holds more than {MAX_IMPORT_BYTES // 2**20} MB of notes"
                )
            files[str(file.relative_to(path))] = file.read_bytes()
    return files
