"""The ``openai`` backend: any OpenAI-compatible chat-completions server, or several.

vLLM, SGLang, Ollama, the llama.cpp servers, LM Studio and OpenAI itself speak the same
``/v1/chat/completions``. What differs is structured output, so the backend tries, in order,
and remembers what the server accepted:

1. ``response_format = {"type": "json_schema", ...}`` (OpenAI, vLLM, SGLang, Ollama),
2. ``{"type": "json_object", "schema": ...}`` (llama-cpp-python's server: grammar from schema),
3. ``{"type": "json_object"}`` (JSON mode),
4. no response_format: the prompt asks for JSON (the caller validates and repairs).

Several base URLs (``openai_base_url`` and ``llm_serving.replicas``: replicas of one model)
form a pool (``aube.llm.replicas``): each replica has its limit of requests in flight
(``openai_concurrency`` unless given), a batch runs concurrently up to the pool's capacity,
and a replica that fails (5xx, hangs past ``llm_timeout``, answers something that is not a
chat completion, refuses connections) is taken out and health-checked back in. A request is
tried ``llm_retries`` more times on timeouts, connection errors, garbage, 429 and 5xx: on
another replica at once when one is up, else on the same after ``llm_backoff`` seconds,
doubled at each retry (the server's Retry-After when it sends one)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import openai
from pydantic import BaseModel, ConfigDict, ValidationError

from aube.config import Settings
from aube.errors import BackendError, ConfigError
from aube.llm.base import ChatRequest, ChatResult
from aube.llm.replicas import AllDown, Outcome, ReplicaEvent, ReplicaPool

MODES = ("json_schema", "json_object_schema", "json_object", "prompt")
_RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504}


class _Garbage(Exception):
    """A 2xx answer that is not a chat completion. ``shape`` describes it without its text
    (an answer can echo the prompt, which may hold a reader's private words)."""

    def __init__(self, shape: str, text: str) -> None:
        super().__init__(f"{shape}: {_clip(text)}")
        self.shape = shape


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    content: str | None = None


class _Choice(BaseModel):
    model_config = ConfigDict(extra="allow")
    message: _Message
    finish_reason: str | None = None


class _Usage(BaseModel):
    model_config = ConfigDict(extra="allow")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_tokens_details: dict[str, Any] | None = None


class _Completion(BaseModel):
    """What Aube reads of an answer; a server that sends less is answering garbage."""

    model_config = ConfigDict(extra="allow")
    choices: list[_Choice]
    model: str | None = None
    usage: _Usage | None = None


class OpenAICompatBackend:
    name = "openai"

    def __init__(
        self,
        base_url: str | Sequence[str | tuple[str, int | None]],
        *,
        model: str = "",
        api_key: str = "",
        concurrency: int = 4,
        timeout: float = 120.0,
        retries: int = 2,
        backoff: float = 1.0,
        health_timeout: float = 5.0,
        down_after_failures: int = 3,
        recheck_seconds: float = 30.0,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        urls = _replica_list(base_url, concurrency)
        if not urls:
            raise ConfigError(
                "llm_backend is openai but openai_base_url and llm_serving.replicas are empty"
            )
        self.base_url = urls[0][0]
        self.concurrency = concurrency
        self._timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.health_timeout = health_timeout
        self._sleep = sleep
        self._api_key = api_key or "not-needed"
        capacity = sum(limit for _, limit in urls)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            limits=httpx.Limits(
                max_connections=capacity + len(urls), max_keepalive_connections=capacity
            )
        )
        # Retries are ours (settings decide them, across replicas); the client's own are off.
        self._clients = {
            url: openai.OpenAI(
                base_url=url,
                api_key=self._api_key,
                timeout=timeout,
                max_retries=0,
                http_client=self._http,
            )
            for url, _ in urls
        }
        self._mode = 0
        self._mode_lock = threading.Lock()
        self.model = model or self._first_model([u for u, _ in urls])
        self.pool = ReplicaPool(
            urls,
            probe=self._probe,
            down_after=down_after_failures,
            recheck=recheck_seconds,
            monotonic=monotonic,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatBackend:
        serving = settings.llm_serving
        urls: list[str | tuple[str, int | None]] = []
        if settings.openai_base_url:
            urls.append(settings.openai_base_url)
        urls += [(r.url, r.concurrency) for r in serving.replicas]
        return cls(
            urls,
            model=settings.openai_model,
            api_key=settings.openai_api_key.get_secret_value(),
            concurrency=settings.openai_concurrency,
            timeout=settings.llm_timeout,
            retries=settings.llm_retries,
            backoff=settings.llm_backoff,
            health_timeout=serving.health_timeout,
            down_after_failures=serving.down_after_failures,
            recheck_seconds=serving.recheck_seconds,
        )

    def close(self) -> None:
        """Close the connections to the replicas (a client passed in is the caller's)."""
        if getattr(self, "_owns_http", False):
            self._http.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter exit httpx may be half gone
            self.close()

    @property
    def structured_mode(self) -> str:
        """How structured output is asked for, as learned from the server."""
        return MODES[self._mode]

    @property
    def parallel(self) -> int:
        """Requests worth sending in one batch: the pool's capacity."""
        return self.pool.capacity

    def events(self) -> list[ReplicaEvent]:
        """Replicas taken out or back since the last call (the ledger records them)."""
        return self.pool.drain_events()

    def _first_model(self, urls: list[str]) -> str:
        problems = []
        for url in urls:
            try:
                listed = self._clients[url].models.list()
                ids = [m.id for m in listed.data]
            except (openai.APIError, AttributeError, TypeError) as exc:
                problems.append(f"{url}: {exc}")
                continue
            if ids:
                return ids[0]
            problems.append(f"{url} serves no model")
        if len(problems) == 1 and problems[0].endswith("serves no model"):
            raise ConfigError(f"{problems[0]}; set openai_model")
        raise BackendError("cannot list the models of any replica: " + "; ".join(problems))

    def _probe(self, url: str) -> str | None:
        """None when ``url`` answers its model list and serves our model; else why not."""
        try:
            answer = self._http.get(
                url + "/models",
                headers={"Authorization": f"Bearer {self._api_key}"},
                timeout=self.health_timeout,
            )
        except httpx.TimeoutException:
            return f"no answer within {self.health_timeout:g} s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if answer.status_code in (404, 405):
            return None  # alive, without a model list to check (a minimal server)
        if answer.status_code != 200:
            return f"GET /models answered {answer.status_code}: {_clip(answer.text)}"
        try:
            ids = [m["id"] for m in answer.json()["data"]]
        except (ValueError, KeyError, TypeError):
            return f"GET /models answered something that is not a model list: {_clip(answer.text)}"
        if self.model not in ids:
            return f"serves {', '.join(ids[:5]) or 'no model'}, not {self.model}"
        return None

    def complete(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        self.pool.check_unchecked()
        if len(requests) <= 1 or self.pool.capacity == 1:
            return [self._one(r) for r in requests]
        with ThreadPoolExecutor(max_workers=min(self.pool.capacity, len(requests))) as pool:
            return list(pool.map(self._one, requests))

    def _one(self, request: ChatRequest) -> ChatResult:
        started = time.perf_counter()
        attempt = 0
        tried: list[str] = []
        while True:
            mode = self._mode if request.schema is not None else len(MODES) - 1
            try:
                url = self.pool.acquire(avoid=tried)
            except AllDown as exc:
                return self._failed(started, str(exc), tried)
            outcome: Outcome = "ok"
            # ``why`` goes with this request's result (to its caller only); ``fault`` to the
            # replica's record, which the run and the ledger show to the operator: it never
            # quotes an answer's text, which could echo a reader's prompt.
            why = fault = ""
            retry_after: str | None = None
            try:
                data = self._call(url, request, mode)
            except openai.APIStatusError as exc:
                if request.schema is not None and _format_refused(exc) and mode < len(MODES) - 1:
                    self.pool.release(url, "neutral")
                    with self._mode_lock:  # the server does not take this form: the next one
                        self._mode = max(self._mode, mode + 1)
                    continue
                status = exc.status_code
                outcome = "fault" if status >= 500 or status == 408 else "neutral"
                why = f"{url} answered {status}: {_short(exc)}"
                fault = f"answered HTTP {status}"
                retry_after = exc.response.headers.get("retry-after")
                retryable = status in _RETRYABLE
            except openai.APITimeoutError:
                outcome, retryable = "fault", True
                fault = f"no answer within {self._timeout:g} s (llm_timeout)"
                why = f"{url}: {fault}"
            except openai.APIConnectionError as exc:
                outcome, retryable = "gone", True
                fault = f"cannot connect: {exc.__cause__ or exc}"
                why = f"{url}: {fault}"
            except _Garbage as exc:
                outcome, retryable = "fault", True
                why = f"{url} answered something that is not a chat completion: {exc}"
                fault = f"answers that are not chat completions ({exc.shape})"
            if outcome == "ok":
                self.pool.release(url, "ok")
                return self._result(data, started, attempt, mode, url)
            self.pool.release(url, outcome, fault)
            tried.append(url)
            if not retryable or attempt >= self.retries:
                return self._failed(started, why, tried)
            if not self.pool.others_up(tried):
                self._wait(attempt, retry_after)  # the same replica again: give it time
            attempt += 1

    def _call(self, url: str, request: ChatRequest, mode: int) -> _Completion:
        raw = self._clients[url].chat.completions.with_raw_response.create(
            model=self.model,
            messages=_messages(request, MODES[mode]),  # type: ignore[arg-type]
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            **_response_format(request, MODES[mode]),
        )
        text = raw.text
        try:
            body = json.loads(text)
        except ValueError:
            kind = raw.headers.get("content-type", "no content type")
            raise _Garbage(f"not JSON, {len(text)} characters of {kind}", text) from None
        try:
            answer = _Completion.model_validate(body)
        except ValidationError as exc:
            raise _Garbage(f"JSON of the wrong shape: {_problems(exc)}", text) from None
        if not answer.choices:
            raise _Garbage("JSON without any choice", text)
        return answer

    def _result(
        self, answer: _Completion, started: float, attempt: int, mode: int, url: str
    ) -> ChatResult:
        usage = answer.usage
        details = (usage.prompt_tokens_details or {}) if usage else {}
        choice = answer.choices[0]
        return ChatResult(
            text=choice.message.content or "",
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            seconds=time.perf_counter() - started,
            model=answer.model or self.model,
            finish_reason=choice.finish_reason or "stop",
            meta={
                "cached_tokens": int(details.get("cached_tokens") or 0),
                "retries": attempt,
                "mode": MODES[mode],
                "replica": url,
            },
        )

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff * (2**attempt)
        if retry_after:
            try:
                delay = max(delay, min(float(retry_after), 60.0))
            except ValueError:
                pass
        self._sleep(delay)

    def _failed(self, started: float, error: str, tried: list[str]) -> ChatResult:
        return ChatResult(
            "",
            0,
            0,
            time.perf_counter() - started,
            self.model,
            error=error,
            meta={"replica": tried[-1] if tried else "", "tried": list(tried)},
        )


def _replica_list(
    base_url: str | Sequence[str | tuple[str, int | None]], concurrency: int
) -> list[tuple[str, int]]:
    given = [base_url] if isinstance(base_url, str) else list(base_url)
    urls: list[tuple[str, int]] = []
    for entry in given:
        url, limit = (entry, None) if isinstance(entry, str) else entry
        url = url.strip().rstrip("/")
        if url and url not in {u for u, _ in urls}:
            urls.append((url, limit or concurrency))
    return urls


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()
    )[:200]


def _clip(text: str) -> str:
    return " ".join(text.split())[:120] or "(empty)"


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
