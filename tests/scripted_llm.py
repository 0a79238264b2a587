"""An OpenAI-compatible HTTP server on 127.0.0.1 that answers as it is told: a well-formed
chat completion after a delay, or garbage (not JSON, JSON of the wrong shape, HTTP 500, a
hang). It counts the requests it got and the most it had in flight at once.

A real server on a real socket (the backend's real HTTP client talks to it), used by the
replica tests and by bench/llm_replicas.py."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

MODES = ("ok", "not-json", "wrong-schema", "http-500", "hang", "echo-not-json")


class ScriptedServer:
    def __init__(self, mode: str = "ok", *, model: str = "m", delay: float = 0.0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.model = model
        self.answer = "fine"  # the text of a well-formed completion
        self.delay = delay
        self.hang_seconds = 30.0
        self.models_status = 200
        self.requests = 0
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/") != "/v1/models":
                    return self._send(404, b'{"error": "not found"}')
                if server.models_status != 200:
                    return self._send(server.models_status, b"down for maintenance")
                body = {"object": "list", "data": [{"id": server.model, "object": "model"}]}
                self._send(200, json.dumps(body).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests += 1
                    server.in_flight += 1
                    server.peak = max(server.peak, server.in_flight)
                try:
                    self._answer(request)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, request: dict[str, Any]) -> None:
                mode = server.mode
                if server.delay:
                    time.sleep(server.delay)
                if mode == "hang":
                    server._stop.wait(server.hang_seconds)
                    return self._send(200, _completion(server.model, "late"))
                if mode == "not-json":
                    return self._send(200, b"<html><body>It works!</body></html>", "text/html")
                if mode == "echo-not-json":  # a broken proxy that echoes what it was sent
                    text = json.dumps(request["messages"]).encode()
                    return self._send(200, b"<pre>" + text + b"</pre>", "text/html")
                if mode == "wrong-schema":
                    return self._send(200, json.dumps({"result": "ok", "text": "hello"}).encode())
                if mode == "http-500":
                    return self._send(500, b'{"error": {"message": "CUDA error: out of memory"}}')
                self._send(200, _completion(server.model, server.answer))

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", kind)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a timeout): nothing to answer

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def _completion(model: str, text: str) -> bytes:
    return json.dumps(
        {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": text},
                }
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14},
        }
    ).encode()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
