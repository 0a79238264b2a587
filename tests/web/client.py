"""A browser-like client for the web tests: one cookie jar, log-in through the real form,
and the CSRF token of the last page seen carried by the next form."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aube.web.passwords import hash_password

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


class Browser:
    """A TestClient that behaves like a person's browser: one cookie jar, forms with their
    token taken from the last page seen."""

    def __init__(self, app: FastAPI, base_url: str = "http://testserver") -> None:
        self.client = TestClient(app, base_url=base_url, follow_redirects=True)
        self.token = ""

    def get(self, path: str, **kw: Any) -> httpx.Response:
        response = self.client.get(path, **kw)
        self._remember(response)
        return response

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, token: str | None = None, **kw: Any
    ) -> httpx.Response:
        form = dict(data or {})
        form.setdefault("csrf_token", self.token if token is None else token)
        response = self.client.post(path, data=form, **kw)
        self._remember(response)
        return response

    def _remember(self, response: httpx.Response) -> None:
        found = (
            TOKEN.search(response.text)
            if "text/html" in response.headers.get("content-type", "")
            else None
        )
        if found:
            self.token = found.group(1)

    def login(self, name: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        return self.post("/login", {"name": name, "password": password})
