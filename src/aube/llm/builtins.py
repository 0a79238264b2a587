"""The built-in backends, registered exactly as a plugin registers its own.

Factories import their module only when used, so Aube runs without llama-cpp-python."""

from __future__ import annotations

from collections.abc import Callable

from aube.config import Settings


def _llama_cpp(settings: Settings):  # type: ignore[no-untyped-def]
    from aube.llm.llamacpp import LlamaCppBackend

    return LlamaCppBackend.from_settings(settings)


def _openai(settings: Settings):  # type: ignore[no-untyped-def]
    from aube.llm.openai_compat import OpenAICompatBackend

    return OpenAICompatBackend.from_settings(settings)


def register(register_backend: Callable[..., None]) -> None:
    """The entry-point function of the built-ins (a plugin's looks the same)."""
    register_backend("llama-cpp", _llama_cpp)
    register_backend("openai", _openai)
