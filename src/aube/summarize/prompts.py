"""Prompts live in files beside this module, one per task and version
(``prompts/<task>.v<N>.j2``): a Jinja2 template whose ``=== user ===`` line separates the
system message from the user message (and ``=== reader ===`` marks where a per-reader part
begins, so the text before it is the same for every reader of a story).

A prompt's version is its file name plus a hash of its text: editing a prompt, even
without renaming it, changes the cache key of everything it writes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from aube.errors import ConfigError
from aube.llm.base import Message

FOLDER = Path(__file__).parent / "prompts"
_USER = "=== user ==="
_READER = "=== reader ==="
_ENV = Environment(
    autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False, trim_blocks=False
)


@dataclass(frozen=True)
class Prompt:
    name: str  # e.g. "story_summary.v1"
    text: str

    @property
    def version(self) -> str:
        return f"{self.name}-{hashlib.sha256(self.text.encode()).hexdigest()[:8]}"

    def messages(self, **values: Any) -> tuple[Message, ...]:
        rendered = _ENV.from_string(self.text).render(**values)
        if _USER not in rendered:
            raise ConfigError(f"prompt {self.name} has no '{_USER}' line")
        system, user = rendered.split(_USER, 1)
        user = user.replace(_READER + "\n", "").replace(_READER, "")
        return (Message("system", system.strip()), Message("user", user.strip()))


@cache
def load_prompt(name: str) -> Prompt:
    """The prompt ``prompts/<name>.j2``, e.g. ``load_prompt("story_summary.v1")``."""
    path = FOLDER / f"{name}.j2"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in FOLDER.glob("*.j2")))
        raise ConfigError(f"no prompt {name!r} (known: {known})")
    return Prompt(name, path.read_text(encoding="utf-8"))
