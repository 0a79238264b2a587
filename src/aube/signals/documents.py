"""A private document read from an import: one conversation, one note."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from aube.errors import InvalidInput

MAX_IMPORT_BYTES = 512 * 1024 * 1024  # a heavy ChatGPT user's export is a few hundred MB


@dataclass(frozen=True)
class Document:
    ref: str  # what the evidence points to: a conversation's title, a note's path
    title: str
    text: str  # what the user wrote (their own words, not the assistant's)
    at: datetime


def read_zip_member(data: bytes, wanted: tuple[str, ...], *, name: str) -> dict[str, bytes]:
    """Members of a zip whose names end with one of ``wanted``, refusing zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"{name} is not a readable zip file: {exc}") from None
    total = 0
    found: dict[str, bytes] = {}
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith(wanted):
            continue
        total += info.file_size
        if total > MAX_IMPORT_BYTES:
            raise InvalidInput(f"{name} unpacks to more than {MAX_IMPORT_BYTES // 2**20} MB")
        try:
            found[info.filename] = archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InvalidInput(f"{name}: cannot read {info.filename}: {exc}") from None
    return found
