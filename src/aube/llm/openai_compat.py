"""The ``openai`` backend: any OpenAI-compatible chat-completions server.

vLLM, SGLang, Ollama, the llama.cpp servers, LM Studio and OpenAI itself speak the same
``/v1/chat/completions``. What differs is structured output, so the backend tries, in order,
and remembers what the server accepted:

1. ``response_format = {"type": "json_schema", ...}`` (OpenAI, vLLM, SGLang, Ollama),
2. ``{"type": "json_object", "schema": ...}`` (llama-cpp-python's server: grammar from schema),
3. ``{"type": "json_object"}`` (JSON mode),
4. no response_format: the prompt asks for JSON (the caller validates and repairs).

Requests run concurrently up to ``openai_concurrency``; each is bounded by ``llm_timeout``
and retried ``llm_retries`` times on timeouts, connection errors, 429 and 5xx, waiting
``llm_backoff`` seconds, doubled at each retry (the server's Retry-After when it sends one)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import openai

from aube.config import Settings
from aube.errors import BackendError, ConfigError
from aube.llm.base import ChatRequest, ChatResult

MODES = ("json_schema", "json_object_schema", "json_object", "prompt")
_RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAICompatBackend:
    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "",
        api_key: str = "",
        concurrency: int = 4,
        timeout: float = 120.0,
        retries: int = 2,
        backoff: float = 1.0,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url:
            raise ConfigError("llm_backend is openai but openai_base_url is empty")
        self.base_url = base_url.rstrip("/")
        self.concurrency = concurrency
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        # Retries are ours (settings decide them); the client's own are off.
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
        )
        self._mode = 0
        self._mode_lock = threading.Lock()
        self.model = model or self._first_model()

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatBackend:
        return cls(
            settings.openai_base_url,
            model=settings.openai_model,
            api_key=settings.openai_api_key.get_secret_value(),
            concurrency=settings.openai_concurrency,
            timeout=settings.llm_timeout,
            retries=settings.llm_retries,
            backoff=settings.llm_backoff,
        )

    @property
    def structured_mode(self) -> str:
        """How structured output is asked for, as learned from the server."""
        return MODES[self._mode]

    def _first_model(self) -> str:
        try:
            listed = self._client.models.list()
            ids = [m.id for m in listed.data]
        except openai.APIError as exc:
            raise BackendError(f"cannot list the models of {self.base_url}: {exc}") from exc
        if not ids:
            raise ConfigError(f"{self.base_url} serves no model; set openai_model")
        return ids[0]

    def complete(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        if len(requests) <= 1 or self.concurrency == 1:
            return [self._one(r) for r in requests]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            return list(pool.map(self._one, requests))

    def _one(self, request: ChatRequest) -> ChatResult:
        started = time.perf_counter()
        attempt = 0
        while True:
            mode = self._mode if request.schema is not None else len(MODES) - 1
            try:
                answer = self._client.chat.completions.create(
                    model=self.model,
                    messages=_messages(request, MODES[mode]),
                    max_tokens=request.max_tokens,
                    temperature=request.temperature,
                    **_response_format(request, MODES[mode]),
                )
            except openai.APIStatusError as exc:
                if request.schema is not None and _format_refused(exc) and mode < len(MODES) - 1:
                    with self._mode_lock:  # the server does not take this form: the next one
                        self._mode = max(self._mode, mode + 1)
                    continue
                if exc.status_code in _RETRYABLE and attempt < self.retries:
                    self._wait(attempt, exc.response.headers.get("retry-after"))
                    attempt += 1
                    continue
                return self._failed(
                    started, f"{self.base_url} answered {exc.status_code}: {_short(exc)}"
                )
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                if attempt < self.retries:
                    self._wait(attempt, None)
                    attempt += 1
                    continue
                return self._failed(started, f"{self.base_url}: {type(exc).__name__}: {exc}")
            break
        usage = answer.usage
        cached = 0
        details = getattr(usage, "prompt_tokens_details", None) if usage else None
        if details is not None and getattr(details, "cached_tokens", None):
            cached = int(details.cached_tokens)
        choice = answer.choices[0] if answer.choices else None
        return ChatResult(
            text=(choice.message.content or "") if choice else "",
            prompt_tokens=int(usage.prompt_tokens) if usage else 0,
            completion_tokens=int(usage.completion_tokens) if usage else 0,
            seconds=time.perf_counter() - started,
            model=answer.model or self.model,
            finish_reason=(choice.finish_reason or "stop") if choice else "stop",
            meta={"cached_tokens": cached, "retries": attempt, "mode": MODES[mode]},
        )

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff * (2**attempt)
        if retry_after:
            try:
                delay = max(delay, min(float(retry_after), 60.0))
            except ValueError:
                pass
        self._sleep(delay)

    def _failed(self, started: float, error: str) -> ChatResult:
        return ChatResult("", 0, 0, time.perf_counter() - started, self.model, error=error)


def _messages(request: ChatRequest, mode: str) -> list[dict[str, str]]:
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    if request.schema is not None and mode in ("json_object", "prompt"):
        # Without a schema the server cannot enforce: say it in words.
        hint = "Answer with one JSON object only, following this JSON schema: " + json.dumps(
            request.schema, separators=(",", ":")
        )
        if messages and messages[0]["role"] == "system":
            messages[0] = {"role": "system", "content": messages[0]["content"] + "\n\n" + hint}
        else:
            messages.insert(0, {"role": "system", "content": hint})
    return messages


def _response_format(request: ChatRequest, mode: str) -> dict[str, Any]:
    if request.schema is None or mode == "prompt":
        return {}
    if mode == "json_schema":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.schema, "strict": False},
            }
        }
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": request.schema}}
    return {"response_format": {"type": "json_object"}}


def _format_refused(exc: openai.APIStatusError) -> bool:
    """The server rejected the request because of its response_format (llama-cpp-python's
    server says so with a 500, others with 400 or 422)."""
    if exc.status_code not in (400, 422, 500):
        return False
    text = _short(exc).lower()
    return "response_format" in text or "json_schema" in text or "json_object" in text


def _short(exc: openai.APIStatusError) -> str:
    try:
        body = exc.response.text
    except Exception:  # noqa: BLE001 - a streamed or closed body: the message is enough
        body = str(exc)
    return " ".join(body.split())[:300]
