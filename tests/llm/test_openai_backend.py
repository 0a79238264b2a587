"""The openai backend's HTTP behaviour against a scripted server on 127.0.0.1: retries with
backoff, giving up without losing the other requests, and learning which structured-output
form the server accepts."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aube.errors import ConfigError
from aube.llm.base import ChatRequest, Message
from aube.llm.openai_compat import OpenAICompatBackend

SCHEMA = {"type": "object", "properties": {"line": {"type": "string"}}, "required": ["line"]}


def _completion(text: str) -> dict:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": "served-model",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
        ],
        "usage": {
            "prompt_tokens": 11,
            "completion_tokens": 3,
            "total_tokens": 14,
            "prompt_tokens_details": {"cached_tokens": 8},
        },
    }


def _request(content: str = "hi", schema: dict | None = None) -> ChatRequest:
    return ChatRequest(
        (Message("system", "Be brief."), Message("user", content)), max_tokens=8, schema=schema
    )


def _models(server: HTTPServer, *ids: str) -> None:
    """The model list a real server answers (the backend's health check reads it)."""
    server.expect_request("/v1/models").respond_with_json(
        {"object": "list", "data": [{"id": i, "object": "model", "owned_by": "me"} for i in ids]}
    )


def _backend(server: HTTPServer, **kw) -> tuple[OpenAICompatBackend, list[float]]:
    _models(server, "m")
    slept: list[float] = []
    backend = OpenAICompatBackend(
        server.url_for("/v1"), model="m", concurrency=1, timeout=5, sleep=slept.append, **kw
    )
    return backend, slept


def test_busy_server_is_retried_with_exponential_backoff(httpserver: HTTPServer) -> None:
    answers = iter(
        [
            Response("busy", 503),
            Response("busy", 429, headers={"Retry-After": "3"}),
            Response(json.dumps(_completion("hello")), 200, content_type="application/json"),
        ]
    )
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(lambda r: next(answers))
    backend, slept = _backend(httpserver, retries=2, backoff=1.0)
    [result] = backend.complete([_request()])
    assert result.ok and result.text == "hello"
    assert (result.prompt_tokens, result.completion_tokens) == (11, 3)
    assert result.meta["cached_tokens"] == 8 and result.meta["retries"] == 2
    assert slept == [1.0, 3.0]  # 1 s, then the server's Retry-After over the doubled 2 s


def test_a_request_that_keeps_failing_is_reported_and_the_others_kept(
    httpserver: HTTPServer,
) -> None:
    def handler(request: Request) -> Response:
        body = request.get_json()
        if body["messages"][-1]["content"] == "bad":
            return Response("down", 502)
        return Response(json.dumps(_completion("fine")), 200, content_type="application/json")

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(handler)
    backend, slept = _backend(httpserver, retries=1, backoff=0.5)
    good, bad = backend.complete([_request("good"), _request("bad")])
    assert good.ok and good.text == "fine"
    assert not bad.ok and "502" in bad.error and bad.text == ""
    assert slept == [0.5]


def test_structured_output_falls_back_to_what_the_server_accepts(httpserver: HTTPServer) -> None:
    seen: list[object] = []

    def handler(request: Request) -> Response:
        fmt = request.get_json().get("response_format")
        seen.append(fmt)
        if fmt and fmt["type"] == "json_schema":  # as llama-cpp-python's server answers
            return Response(
                json.dumps(
                    {
                        "error": {
                            "message": "response_format.type: Input "
                            "should be 'text' or 'json_object'"
                        }
                    }
                ),
                500,
            )
        return Response(
            json.dumps(_completion('{"line": "ok"}')), 200, content_type="application/json"
        )

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(handler)
    backend, slept = _backend(httpserver, retries=2)
    assert backend.complete([_request(schema=SCHEMA)])[0].text == '{"line": "ok"}'
    assert backend.structured_mode == "json_object_schema"
    backend.complete([_request(schema=SCHEMA)])
    assert [f["type"] for f in seen] == ["json_schema", "json_object", "json_object"]
    assert seen[1] == {"type": "json_object", "schema": SCHEMA}
    assert slept == []  # not a retry: a different question


def test_the_model_defaults_to_the_first_one_served(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/models").respond_with_json(
        {"object": "list", "data": [{"id": "smol", "object": "model", "owned_by": "me"}]}
    )
    assert OpenAICompatBackend(httpserver.url_for("/v1")).model == "smol"


def test_no_base_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="openai_base_url"):
        OpenAICompatBackend("")
