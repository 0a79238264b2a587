"""Users and the sources each follows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from aube.errors import InvalidInput, NotFound
from aube.store.base import StoreBase, row_dict
from aube.store.schema import sources, subscriptions, users
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


class UsersMixin(StoreBase):
    def add_user(
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
            with self.transaction() as conn:
                user_id = conn.execute(insert(users).values(**values)).inserted_primary_key[0]
                defaults = (
                    conn.execute(select(sources.c.id).where(sources.c.is_default.is_(True)))
                    .scalars()
                    .all()
                )
                if defaults:
                    conn.execute(
                        insert(subscriptions),
                        [{"user_id": user_id, "source_id": s, "added_at": now} for s in defaults],
                    )
        except IntegrityError:
            taken = "email" if email and self._exists(users.c.email, email) else "user name"
            raise InvalidInput(
                f"{taken} {email if taken == 'email' else handle!r} is taken"
            ) from None
        return self.get_user(user_id)

    def _exists(self, column: object, value: object) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(column).where(column == value)).first() is not None  # type: ignore[operator, arg-type]

    def get_user(self, ref: int | str) -> User:
        """A user by id or by user name."""
        if isinstance(ref, int) or str(ref).isdigit():
            cond = users.c.id == int(ref)
        else:
            cond = users.c.handle == str(ref).strip().lower()
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(cond)).first()
        if row is None:
            raise NotFound(f"no user {ref!r} (see `aube users list`)")
        return _user(row)

    def find_user_by_email(self, email: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).where(func.lower(users.c.email) == email.lower())
            ).first()
        return _user(row) if row else None

    def password_hash(self, user_id: int) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(users.c.password_hash).where(users.c.id == user_id)).scalar()

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.id))]

    def count_users(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def update_user(self, user_id: int, **values: object) -> User:
        bad = set(values) - _USER_FIELDS
        if bad:
            raise InvalidInput(f"cannot change user field(s): {', '.join(sorted(bad))}")
        check_user_fields(values)
        try:
            with self.transaction() as conn:
                done = conn.execute(update(users).where(users.c.id == user_id).values(**values))
        except IntegrityError:
            raise InvalidInput(f"email {values.get('email')!r} is taken") from None
        if done.rowcount == 0:
            raise NotFound(f"no user {user_id}")
        return self.get_user(user_id)

    def delete_user(self, user_id: int) -> None:
        """Delete a user and everything that is theirs (cascades: profile, editions, feedback…)."""
        with self.transaction() as conn:
            if conn.execute(delete(users).where(users.c.id == user_id)).rowcount == 0:
                raise NotFound(f"no user {user_id}")

    # -- subscriptions

    def subscribe(self, user_id: int, source_id: int, *, now: datetime) -> None:
        with self.transaction() as conn:
            present = conn.execute(
                select(subscriptions.c.user_id).where(
                    subscriptions.c.user_id == user_id, subscriptions.c.source_id == source_id
                )
            ).first()
            if present is None:
                conn.execute(
                    insert(subscriptions).values(user_id=user_id, source_id=source_id, added_at=now)
                )

    def unsubscribe(self, user_id: int, source_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                delete(subscriptions).where(
                    subscriptions.c.user_id == user_id, subscriptions.c.source_id == source_id
                )
            )

    def user_source_ids(self, user_id: int) -> set[int]:
        with self.engine.connect() as conn:
            return set(
                conn.execute(
                    select(subscriptions.c.source_id).where(subscriptions.c.user_id == user_id)
                ).scalars()
            )

    def subscription_map(self, user_ids: Sequence[int] | None = None) -> dict[int, frozenset[int]]:
        """Each user's followed sources, for the batch edition build."""
        query = select(subscriptions.c.user_id, subscriptions.c.source_id)
        if user_ids is not None:
            query = query.where(subscriptions.c.user_id.in_(list(user_ids)))
        found: dict[int, set[int]] = {}
        with self.engine.connect() as conn:
            for uid, sid in conn.execute(query):
                found.setdefault(uid, set()).add(sid)
        return {u: frozenset(s) for u, s in found.items()}
