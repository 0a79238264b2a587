"""Accounts for the web app: log-in sessions, API tokens and invites.

The store never sees a secret: sessions, tokens and invites are looked up by the SHA-256
digest of the secret the person holds (``aube.web`` makes and hashes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from aube.errors import InvalidInput, NotFound
from aube.store.base import Repo, row_dict
from aube.store.schema import api_tokens, invites, users, web_sessions
from aube.types import User


@dataclass(frozen=True)
class WebSession:
    id: str  # digest of the cookie's secret
    user_id: int
    csrf: str
    created_at: datetime
    seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class Invite:
    id: int
    created_by: int
    note: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None


def _token(row: Any) -> ApiToken:
    data = row_dict(row)
    data.pop("token_hash", None)
    return ApiToken(**data)


def _invite(row: Any) -> Invite:
    data = row_dict(row)
    data.pop("token_hash", None)
    return Invite(**data)


def _split(row: Any, table: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A joined (table, users) row → (the table's columns, the user's columns)."""
    data = row_dict(row)
    own = {c.name: data[f"t_{c.name}"] for c in table.c}
    person = {k: v for k, v in data.items() if not k.startswith("t_")}
    return own, person


class SessionsRepo(Repo):
    def add(
        self, user_id: int, *, session_id: str, csrf: str, now: datetime, expires_at: datetime
    ) -> None:
        conn = self.conn
        conn.execute(
            insert(web_sessions).values(
                id=session_id,
                user_id=user_id,
                csrf=csrf,
                created_at=now,
                seen_at=now,
                expires_at=expires_at,
            )
        )

    def user_of(self, session_id: str, *, now: datetime) -> tuple[WebSession, User] | None:
        """The live session with this id and its user, in one query (every page asks)."""
        query = (
            select(*(c.label(f"t_{c.name}") for c in web_sessions.c), users)
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.id == session_id, web_sessions.c.expires_at > now)
        )
        conn = self.conn
        row = conn.execute(query).first()
        if row is None:
            return None
        own, person = _split(row, web_sessions)
        return WebSession(**own), _user_from(person)

    def renew(self, session_id: str, *, now: datetime, expires_at: datetime) -> None:
        conn = self.conn
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.id == session_id)
            .values(seen_at=now, expires_at=expires_at)
        )

    def delete(self, session_id: str) -> None:
        conn = self.conn
        conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))

    def delete_of_user(self, user_id: int, *, keep: str | None = None) -> int:
        """End the user's sessions (all but ``keep``): after a password change, say."""
        query = delete(web_sessions).where(web_sessions.c.user_id == user_id)
        if keep is not None:
            query = query.where(web_sessions.c.id != keep)
        conn = self.conn
        return conn.execute(query).rowcount

    def count(self, user_id: int) -> int:
        conn = self.conn
        return int(
            conn.execute(
                select(func.count())
                .select_from(web_sessions)
                .where(web_sessions.c.user_id == user_id)
            ).scalar_one()
        )

    def prune(self, *, now: datetime) -> int:
        conn = self.conn
        done = conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
        return done.rowcount


class ApiTokensRepo(Repo):
    def add(
        self, user_id: int, *, name: str, prefix: str, token_hash: str, now: datetime
    ) -> ApiToken:
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("give the token a name, e.g. 'phone widget'")
        if len(name) > 100:
            raise InvalidInput("a token's name is 100 characters at most")
        conn = self.conn
        token_id = conn.execute(
            insert(api_tokens).values(
                user_id=user_id, name=name, prefix=prefix, token_hash=token_hash, created_at=now
            )
        ).inserted_primary_key[0]
        return _token(conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one())

    def of_user(self, user_id: int) -> list[ApiToken]:
        conn = self.conn
        return [
            _token(r)
            for r in conn.execute(
                select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id)
            )
        ]

    def user_of(self, token_hash: str) -> tuple[ApiToken, User] | None:
        query = (
            select(*(c.label(f"t_{c.name}") for c in api_tokens.c), users)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(api_tokens.c.token_hash == token_hash)
        )
        conn = self.conn
        row = conn.execute(query).first()
        if row is None:
            return None
        own, person = _split(row, api_tokens)
        own.pop("token_hash", None)
        return ApiToken(**own), _user_from(person)

    def touch(self, token_id: int, *, now: datetime) -> None:
        conn = self.conn
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))

    def delete(self, user_id: int, token_id: int) -> None:
        conn = self.conn
        done = conn.execute(
            delete(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.user_id == user_id)
        )
        if done.rowcount == 0:
            raise NotFound(f"no API token {token_id} for this user")


class InvitesRepo(Repo):
    def add(
        self, created_by: int, *, token_hash: str, note: str, now: datetime, expires_at: datetime
    ) -> Invite:
        conn = self.conn
        invite_id = conn.execute(
            insert(invites).values(
                token_hash=token_hash,
                created_by=created_by,
                note=" ".join(note.split())[:200],
                created_at=now,
                expires_at=expires_at,
            )
        ).inserted_primary_key[0]
        return _invite(conn.execute(select(invites).where(invites.c.id == invite_id)).one())

    def all(self) -> list[Invite]:
        conn = self.conn
        return [_invite(r) for r in conn.execute(select(invites).order_by(invites.c.id.desc()))]

    def find(self, token_hash: str, *, now: datetime) -> Invite | None:
        """An invite that can still be used (not used, not expired)."""
        conn = self.conn
        row = conn.execute(
            select(invites).where(
                invites.c.token_hash == token_hash,
                invites.c.used_at.is_(None),
                invites.c.expires_at > now,
            )
        ).first()
        return _invite(row) if row else None

    def claim(self, token_hash: str, *, now: datetime) -> int | None:
        """Mark a usable invite used, atomically (two sign-ups cannot share it); its id."""
        conn = self.conn
        invite_id = conn.execute(
            select(invites.c.id).where(invites.c.token_hash == token_hash)
        ).scalar()
        if invite_id is None:
            return None
        done = conn.execute(
            update(invites)
            .where(
                invites.c.id == invite_id,
                invites.c.used_at.is_(None),
                invites.c.expires_at > now,
            )
            .values(used_at=now)
        )
        return int(invite_id) if done.rowcount == 1 else None

    def finish(self, invite_id: int, *, used_by: int | None) -> None:
        """Record who used a claimed invite, or release it (``used_by`` None) when the
        sign-up failed, so the link still works."""
        values: dict[str, Any] = {"used_by": used_by} if used_by else {"used_at": None}
        conn = self.conn
        conn.execute(update(invites).where(invites.c.id == invite_id).values(**values))

    def delete(self, invite_id: int) -> None:
        conn = self.conn
        if conn.execute(delete(invites).where(invites.c.id == invite_id)).rowcount == 0:
            raise NotFound(f"no invite {invite_id}")


def _user_from(columns: dict[str, Any]) -> User:
    columns.pop("password_hash", None)
    return User(**columns)
