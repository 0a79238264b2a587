"""The summarizer Protocol, its input, the cache key, and the backend registry.

A backend is registered by name with a factory ``(settings) -> Summarizer``. The built-ins
are named here by "module:attribute" and imported on first use (this module never imports
them); plugins are found through the ``aube.summarizers`` entry-point group (each entry
point is a function that receives ``register_summarizer``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aube.config import Settings
from aube.registry import Registry
from aube.types import Item, Summary


@dataclass(frozen=True)
class StoryInput:
    """What a summarizer reads: one version of one story."""

    story_id: int
    version: int
    content_hash: str
    items: tuple[Item, ...]  # oldest first


class Summarizer(Protocol):
    name: str  # the backend, e.g. "extractive"
    model: str  # "" when there is no model
    prompt_version: str  # changes whenever the output for the same input may change

    def summarize(self, stories: Sequence[StoryInput]) -> list[Summary]:
        """One summary per story, in order. Raises BackendError on failure."""
        ...


Factory = Callable[[Settings], Summarizer]


SUMMARIZERS: Registry[Factory] = Registry(
    "summary backend",
    setting="summary_backend",
    group="aube.summarizers",
    builtins={
        "extractive": "aube.summarize.extractive:from_settings",
        "llm": "aube.summarize.llm:LlmSummarizer.from_settings",
    },
)


def register_summarizer(name: str, factory: Factory) -> None:
    SUMMARIZERS.register(name, factory)


def available_summarizers() -> list[str]:
    return SUMMARIZERS.names()


def get_summarizer(name: str, settings: Settings) -> Summarizer:
    return SUMMARIZERS.factory(name)(settings)


def cache_key(story_hash: str, summarizer: Summarizer, *extra: str) -> str:
    """The identity of a summary: the story's contents, the backend, model and prompt version."""
    parts = [story_hash, summarizer.name, summarizer.model, summarizer.prompt_version, *extra]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
