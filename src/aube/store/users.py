"""Users: the readers, their settings, and who administers the server."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from aube.errors import InvalidInput, NotFound
from aube.store.base import Repo, row_dict
from aube.store.schema import users
from aube.store.subscriptions import SubscriptionsRepo
from aube.types import User

_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_USER_FIELDS = {
    "display_name",
    "email",
    "timezone",
    "language",
    "edition_size",
    "morning_time",
    "is_admin",
    "password_hash",
}


def _user(row: object) -> User:
    data = row_dict(row)
    data.pop("password_hash", None)
    return User(**data)


def check_user_fields(values: dict[str, object]) -> None:
    """Refuse values a person could mistype, naming the field at fault."""
    if "timezone" in values:
        try:
            ZoneInfo(str(values["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"unknown time zone {values['timezone']!r} (e.g. Europe/Paris)"
            ) from None
    if "edition_size" in values:
        size = values["edition_size"]
        if not isinstance(size, int) or not 1 <= size <= 20:
            raise InvalidInput(f"edition size must be a whole number from 1 to 20, not {size!r}")
    if "morning_time" in values and not _TIME.match(str(values["morning_time"])):
        raise InvalidInput(f"morning time must be HH:MM (24-hour), not {values['morning_time']!r}")
    if "language" in values and not re.match(
        r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$", str(values["language"])
    ):
        raise InvalidInput(f"language must be a code such as en or fr, not {values['language']!r}")
    if values.get("email") is not None and "@" not in str(values["email"]):
        raise InvalidInput(f"{values['email']!r} is not an email address")


class UsersRepo(Repo):
    def add(
        self,
        handle: str,
        *,
        now: datetime,
        display_name: str = "",
        email: str | None = None,
        timezone: str = "UTC",
        language: str = "en",
        edition_size: int = 8,
        morning_time: str = "07:00",
        is_admin: bool = False,
        password_hash: str | None = None,
    ) -> User:
        """Create a user who follows every default source."""
        handle = handle.strip().lower()
        if not _HANDLE.match(handle):
            raise InvalidInput(
                f"user name {handle!r} must be 1–64 lowercase letters, digits, '.', '_' or '-'"
            )
        values: dict[str, object] = {
            "handle": handle,
            "display_name": display_name or handle,
            "email": email or None,
            "timezone": timezone,
            "language": language,
            "edition_size": edition_size,
            "morning_time": morning_time,
            "is_admin": is_admin,
            "password_hash": password_hash,
            "created_at": now,
        }
        check_user_fields(values)
        try:
            # A savepoint: a name taken fails this insert only, and the unit stays usable.
            with self.conn.begin_nested():
                user_id = self.conn.execute(insert(users).values(**values)).inserted_primary_key[0]
        except IntegrityError:
            taken = "email" if email and self._exists(users.c.email, email) else "user name"
            raise InvalidInput(
                f"{taken} {email if taken == 'email' else handle!r} is taken"
            ) from None
        SubscriptionsRepo(self.conn).subscribe_to_defaults(int(user_id), now=now)
        return self.get(int(user_id))

    def _exists(self, column: Any, value: object) -> bool:
        return self.conn.execute(select(column).where(column == value)).first() is not None

    def get(self, ref: int | str) -> User:
        """A user by id or by user name."""
        if isinstance(ref, int) or str(ref).isdigit():
            cond = users.c.id == int(ref)
        else:
            cond = users.c.handle == str(ref).strip().lower()
        row = self.conn.execute(select(users).where(cond)).first()
        if row is None:
            raise NotFound(f"no user {ref!r} (see `aube users list`)")
        return _user(row)

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(
            select(users).where(func.lower(users.c.email) == email.lower())
        ).first()
        return _user(row) if row else None

    def by_handle(self, handle: str) -> User | None:
        """By user name only (``get`` also takes ids, which a log-in form must not)."""
        row = self.conn.execute(
            select(users).where(users.c.handle == handle.strip().lower())
        ).first()
        return _user(row) if row else None

    def password_hash(self, user_id: int) -> str | None:
        return self.conn.execute(
            select(users.c.password_hash).where(users.c.id == user_id)
        ).scalar()

    def all(self) -> list[User]:
        return [_user(r) for r in self.conn.execute(select(users).order_by(users.c.id))]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(users)).scalar_one())

    def count_admins(self) -> int:
        """Administrators who can log in (a password is set)."""
        return int(
            self.conn.execute(
                select(func.count())
                .select_from(users)
                .where(users.c.is_admin.is_(True), users.c.password_hash.is_not(None))
            ).scalar_one()
        )

    def update(self, user_id: int, **values: object) -> User:
        bad = set(values) - _USER_FIELDS
        if bad:
            raise InvalidInput(f"cannot change user field(s): {', '.join(sorted(bad))}")
        check_user_fields(values)
        try:
            with self.conn.begin_nested():
                done = self.conn.execute(
                    update(users).where(users.c.id == user_id).values(**values)
                )
        except IntegrityError:
            raise InvalidInput(f"email {values.get('email')!r} is taken") from None
        if done.rowcount == 0:
            raise NotFound(f"no user {user_id}")
        return self.get(user_id)

    def delete(self, user_id: int) -> None:
        """Delete a user and everything that is theirs (cascades: profile, editions, feedback…)."""
        if self.conn.execute(delete(users).where(users.c.id == user_id)).rowcount == 0:
            raise NotFound(f"no user {user_id}")
