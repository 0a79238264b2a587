"""Accounts for the web app: log-in sessions, API tokens, invites, log-in failures, and the
site-wide settings an administrator changes (open sign-up).

The store never sees a secret: sessions, tokens and invites are looked up by the SHA-256
digest of the secret the person holds (``aube.web`` makes and hashes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from aube.errors import InvalidInput, NotFound
from aube.store.base import StoreBase, row_dict
from aube.store.schema import (
    api_tokens,
    invites,
    login_failures,
    site_settings,
    users,
    web_sessions,
)
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


class AccountsMixin(StoreBase):
    # -- sessions

    def add_session(
        self, user_id: int, *, session_id: str, csrf: str, now: datetime, expires_at: datetime
    ) -> None:
        with self.transaction() as conn:
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

    def session_user(self, session_id: str, *, now: datetime) -> tuple[WebSession, User] | None:
        """The live session with this id and its user, in one query (every page asks)."""
        query = (
            select(*(c.label(f"t_{c.name}") for c in web_sessions.c), users)
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.id == session_id, web_sessions.c.expires_at > now)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        own, person = _split(row, web_sessions)
        return WebSession(**own), _user_from(person)

    def renew_session(self, session_id: str, *, now: datetime, expires_at: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(web_sessions)
                .where(web_sessions.c.id == session_id)
                .values(seen_at=now, expires_at=expires_at)
            )

    def delete_session(self, session_id: str) -> None:
        with self.transaction() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))

    def delete_sessions(self, user_id: int, *, keep: str | None = None) -> int:
        """End the user's sessions (all but ``keep``): after a password change, say."""
        query = delete(web_sessions).where(web_sessions.c.user_id == user_id)
        if keep is not None:
            query = query.where(web_sessions.c.id != keep)
        with self.transaction() as conn:
            return conn.execute(query).rowcount

    def count_sessions(self, user_id: int) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(web_sessions)
                    .where(web_sessions.c.user_id == user_id)
                ).scalar_one()
            )

    def prune_sessions(self, *, now: datetime) -> int:
        with self.transaction() as conn:
            done = conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
        return done.rowcount

    # -- API tokens

    def add_api_token(
        self, user_id: int, *, name: str, prefix: str, token_hash: str, now: datetime
    ) -> ApiToken:
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("give the token a name, e.g. 'phone widget'")
        if len(name) > 100:
            raise InvalidInput("a token's name is 100 characters at most")
        with self.transaction() as conn:
            token_id = conn.execute(
                insert(api_tokens).values(
                    user_id=user_id, name=name, prefix=prefix, token_hash=token_hash, created_at=now
                )
            ).inserted_primary_key[0]
            return _token(conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one())

    def list_api_tokens(self, user_id: int) -> list[ApiToken]:
        with self.engine.connect() as conn:
            return [
                _token(r)
                for r in conn.execute(
                    select(api_tokens)
                    .where(api_tokens.c.user_id == user_id)
                    .order_by(api_tokens.c.id)
                )
            ]

    def token_user(self, token_hash: str) -> tuple[ApiToken, User] | None:
        query = (
            select(*(c.label(f"t_{c.name}") for c in api_tokens.c), users)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(api_tokens.c.token_hash == token_hash)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        own, person = _split(row, api_tokens)
        own.pop("token_hash", None)
        return ApiToken(**own), _user_from(person)

    def touch_api_token(self, token_id: int, *, now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
            )

    def delete_api_token(self, user_id: int, token_id: int) -> None:
        with self.transaction() as conn:
            done = conn.execute(
                delete(api_tokens).where(
                    api_tokens.c.id == token_id, api_tokens.c.user_id == user_id
                )
            )
        if done.rowcount == 0:
            raise NotFound(f"no API token {token_id} for this user")

    # -- invites

    def add_invite(
        self, created_by: int, *, token_hash: str, note: str, now: datetime, expires_at: datetime
    ) -> Invite:
        with self.transaction() as conn:
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

    def list_invites(self) -> list[Invite]:
        with self.engine.connect() as conn:
            return [_invite(r) for r in conn.execute(select(invites).order_by(invites.c.id.desc()))]

    def find_invite(self, token_hash: str, *, now: datetime) -> Invite | None:
        """An invite that can still be used (not used, not expired)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(invites).where(
                    invites.c.token_hash == token_hash,
                    invites.c.used_at.is_(None),
                    invites.c.expires_at > now,
                )
            ).first()
        return _invite(row) if row else None

    def claim_invite(self, token_hash: str, *, now: datetime) -> int | None:
        """Mark a usable invite used, atomically (two sign-ups cannot share it); its id."""
        with self.transaction() as conn:
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

    def finish_invite(self, invite_id: int, *, used_by: int | None) -> None:
        """Record who used a claimed invite, or release it (``used_by`` None) when the
        sign-up failed, so the link still works."""
        values: dict[str, Any] = {"used_by": used_by} if used_by else {"used_at": None}
        with self.transaction() as conn:
            conn.execute(update(invites).where(invites.c.id == invite_id).values(**values))

    def delete_invite(self, invite_id: int) -> None:
        with self.transaction() as conn:
            if conn.execute(delete(invites).where(invites.c.id == invite_id)).rowcount == 0:
                raise NotFound(f"no invite {invite_id}")

    # -- log-in failures (throttling)

    def add_login_failure(self, *, account: str, ip: str, now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(insert(login_failures).values(account=account[:400], ip=ip[:64], at=now))

    def login_failure_counts(
        self, *, account: str, ip: str, since: datetime
    ) -> tuple[int, int, datetime | None]:
        """Failures since ``since`` for this account and from this address, and the oldest
        of them (when the pause ends)."""
        with self.engine.connect() as conn:
            by_account = conn.execute(
                select(func.count(), func.min(login_failures.c.at)).where(
                    login_failures.c.account == account[:400], login_failures.c.at > since
                )
            ).one()
            by_ip = conn.execute(
                select(func.count(), func.min(login_failures.c.at)).where(
                    login_failures.c.ip == ip[:64], login_failures.c.at > since
                )
            ).one()
        oldest = [t for t in (by_account[1], by_ip[1]) if t is not None]
        return int(by_account[0]), int(by_ip[0]), min(oldest) if oldest else None

    def clear_login_failures(self, *, account: str) -> None:
        with self.transaction() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.account == account[:400]))

    def prune_login_failures(self, *, before: datetime) -> int:
        with self.transaction() as conn:
            done = conn.execute(delete(login_failures).where(login_failures.c.at <= before))
        return done.rowcount

    # -- site settings

    def site_setting(self, key: str, default: Any = None) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(site_settings.c.value).where(site_settings.c.key == key)
            ).first()
        return default if row is None else row[0]

    def set_site_setting(self, key: str, value: Any) -> None:
        with self.transaction() as conn:
            done = conn.execute(
                update(site_settings).where(site_settings.c.key == key).values(value=value)
            )
            if done.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(site_settings).values(key=key, value=value))
                except IntegrityError:  # written meanwhile by another process
                    conn.execute(
                        update(site_settings).where(site_settings.c.key == key).values(value=value)
                    )

    def find_user_by_handle(self, handle: str) -> User | None:
        """By user name only (``get_user`` also takes ids, which a log-in form must not)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).where(users.c.handle == handle.strip().lower())
            ).first()
        return _user_from(row_dict(row)) if row else None

    def count_admins(self) -> int:
        """Administrators who can log in (a password is set)."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(users)
                    .where(users.c.is_admin.is_(True), users.c.password_hash.is_not(None))
                ).scalar_one()
            )


def _user_from(columns: dict[str, Any]) -> User:
    columns.pop("password_hash", None)
    return User(**columns)
