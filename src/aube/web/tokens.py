"""Secrets people hold (session cookies, API tokens, invite links) and their digests.

Only the SHA-256 digest of a secret is stored: a copy of the database opens no session and
works as no token. The secrets are 256-bit random, so a plain digest (no salt, no slow
hash) is enough; passwords, which people choose, get argon2 (``aube.web.passwords``)."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "aube_"  # API tokens start with it: easy to spot in a leaked log or a repository


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison (a form token against the session's)."""
    return secrets.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))
