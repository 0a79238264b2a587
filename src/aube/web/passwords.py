"""Passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommendation),
rules a person can read, and a check that spends the same time whether or not the account
exists (so timing does not tell which user names are taken)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from aube.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 1024  # hashing cost grows with length; nobody types more

_hasher = PasswordHasher()


def check_rules(password: str, *, handle: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"the password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"the password is too long ({MAX_LENGTH} characters at most)")
    if handle and password.strip().lower() == handle.strip().lower():
        raise InvalidInput("the password cannot be your user name")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy() -> str:
    return _hasher.hash("a password nobody has")


def verify(stored: str | None, password: str) -> tuple[bool, str | None]:
    """(whether it matches, a fresh hash to store when the parameters changed)."""
    if not stored:
        try:
            _hasher.verify(_dummy(), password)
        except VerificationError:
            pass
        return False, None
    try:
        _hasher.verify(stored, password[: MAX_LENGTH + 1])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored) else None)
