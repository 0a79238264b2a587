"""The chat-model backend Protocol, what goes in and out of it, and the backend registry.

A backend turns chat requests into texts and reports what each call cost (prompt and
completion tokens, seconds). Backends are registered by name with a factory
``(settings) -> ChatBackend``; the built-ins (``llama-cpp``, ``openai``) are named by
"module:attribute" and imported on first use; plugins are found through the
``aube.llm_backends`` entry-point group (each entry point is a function that receives
``register_backend``).

Every request carries the accounting tags the cost ledger needs (stage, story, user,
purpose); backends ignore them, ``aube.llm.ledger.Metered`` records them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from aube.config import Settings
from aube.registry import Registry

Stage = Literal["shared", "per-user"]


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[Message, ...]
    max_tokens: int
    # A JSON schema the answer must follow; backends constrain decoding to it where the
    # model or server can, and always ask for JSON.
    schema: dict[str, Any] | None = None
    temperature: float = 0.0
    # Accounting, for the ledger.
    stage: Stage = "shared"
    purpose: str = ""  # e.g. "summary", "summary-retry", "personal-line"
    story_id: int | None = None
    user_id: int | None = None
    edition_id: int | None = None


@dataclass(frozen=True)
class ChatResult:
    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    model: str
    finish_reason: str = "stop"  # "length" when max_tokens cut the answer
    error: str = ""  # set when the call failed after its retries: text is then ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error


class ChatBackend(Protocol):
    name: str  # the backend, e.g. "llama-cpp"
    model: str  # the model it serves, as recorded in caches and the ledger

    def complete(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """One result per request, in order. A request that fails after the backend's
        retries gets a result with ``error`` set (the others are not lost); configuration
        problems (no model file, no server URL) raise ConfigError or BackendError."""
        ...


Factory = Callable[[Settings], ChatBackend]


# Imported on first use only, so Aube runs without llama-cpp-python.
BACKENDS: Registry[Factory] = Registry(
    "LLM backend",
    setting="llm_backend",
    group="aube.llm_backends",
    builtins={
        "llama-cpp": "aube.llm.llamacpp:LlamaCppBackend.from_settings",
        "openai": "aube.llm.openai_compat:OpenAICompatBackend.from_settings",
    },
)


def register_backend(name: str, factory: Factory) -> None:
    BACKENDS.register(name, factory)


def available_backends() -> list[str]:
    return BACKENDS.names()


def get_backend(name: str, settings: Settings) -> ChatBackend:
    return BACKENDS.factory(name)(settings)
