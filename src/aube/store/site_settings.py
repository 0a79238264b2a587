"""Site-wide settings an administrator changes in the web app (open sign-up, say)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from aube.store.base import Repo
from aube.store.schema import site_settings


class SiteSettingsRepo(Repo):
    def get(self, key: str, default: Any = None) -> Any:
        conn = self.conn
        row = conn.execute(select(site_settings.c.value).where(site_settings.c.key == key)).first()
        return default if row is None else row[0]

    def set(self, key: str, value: Any) -> None:
        conn = self.conn
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
