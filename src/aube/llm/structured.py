"""Structured answers: ask for JSON, validate it with pydantic, repair once.

A backend with constrained decoding returns JSON of the right shape, but its answer can
still be cut by ``max_tokens`` or break a rule the schema cannot express (2–4 sentences);
a server without constrained decoding may wrap JSON in prose or code fences. Each answer is
validated; an invalid one is sent back once with the validation error and a request to
answer again, and what is still invalid after that is reported, never guessed."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from aube.llm.base import ChatBackend, ChatRequest, ChatResult, Message

M = TypeVar("M", bound=BaseModel)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


@dataclass
class Structured(Generic[M]):
    value: M | None
    error: str  # why value is None ("" when it is not)
    calls: list[ChatResult]

    @property
    def tokens(self) -> int:
        return sum(c.prompt_tokens + c.completion_tokens for c in self.calls)


def parse(text: str, model: type[M], context: dict[str, Any] | None = None) -> M:
    """The JSON object in ``text`` (code fences and surrounding prose ignored), validated
    (``context`` goes to the model's validators: a rule that depends on the request)."""
    body = _FENCE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the answer holds no JSON object")
    # strict=False: a raw newline inside a string, which grammars and small models emit,
    # is not worth a repair round.
    return model.model_validate(json.loads(body[start : end + 1], strict=False), context=context)


def _problem(
    result: ChatResult, model: type[M], context: dict[str, Any] | None = None
) -> tuple[M | None, str]:
    if not result.ok:
        return None, result.error
    try:
        return parse(result.text, model, context), ""
    except (ValueError, ValidationError) as exc:  # json's errors are ValueErrors
        cut = " (the answer was cut by max_tokens)" if result.finish_reason == "length" else ""
        return None, _describe(exc) + cut


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()
        )[:500]
    return str(exc)[:500]


def ask(
    backend: ChatBackend,
    requests: Sequence[ChatRequest],
    model: type[M],
    *,
    repair: bool = True,
    contexts: Sequence[dict[str, Any] | None] | None = None,
) -> list[Structured[M]]:
    """One validated answer (or the reason there is none) per request, in order. Requests
    must carry the schema of ``model`` (``schema_of``); ``contexts``, one per request, go to
    the validators. Failed calls are not repaired: the backend already retried them."""
    if contexts is not None and len(contexts) != len(requests):
        raise ValueError("one validation context per request")
    ctx = list(contexts) if contexts is not None else [None] * len(requests)
    results = backend.complete(requests)
    out: list[Structured[M]] = []
    todo: list[int] = []
    for i, result in enumerate(results):
        value, error = _problem(result, model, ctx[i])
        out.append(Structured(value, error, [result]))
        if value is None and result.ok and repair:
            todo.append(i)
    if todo:
        again = [_repair_request(requests[i], results[i], out[i].error) for i in todo]
        for i, result in zip(todo, backend.complete(again), strict=True):
            value, error = _problem(result, model, ctx[i])
            out[i].calls.append(result)
            out[i].value, out[i].error = value, error
    return out


def _repair_request(request: ChatRequest, result: ChatResult, error: str) -> ChatRequest:
    note = (
        f"That answer is not valid: {error}. Answer again with the JSON object only, "
        "complete and shorter."
    )
    return replace(
        request,
        messages=request.messages
        + (Message("assistant", result.text[:2000]), Message("user", note)),
        purpose=(request.purpose or "answer") + "-repair",
    )


def schema_of(model: type[BaseModel]) -> dict:
    """The JSON schema of ``model``, without pydantic's titles (noise to a grammar)."""
    schema = model.model_json_schema()
    return json.loads(
        json.dumps(schema),
        object_hook=lambda d: {
            k: v for k, v in d.items() if not (k == "title" and isinstance(v, str))
        },
    )
