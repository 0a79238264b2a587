"""Sources: the feeds Aube reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from aube.errors import InvalidInput, NotFound
from aube.store.base import StoreBase, row_dict
from aube.store.schema import items, sources, story_items, subscriptions, users
from aube.types import FullText, Source


def _source(row: object) -> Source:
    return Source(**row_dict(row))


class SourcesMixin(StoreBase):
    def add_source(
        self,
        url: str,
        *,
        now: datetime,
        title: str = "",
        full_text: FullText = "auto",
        is_default: bool = True,
    ) -> tuple[Source, bool]:
        """Add a feed; returns (source, created). An existing URL is returned unchanged.
        A default source is followed by every user, present and future; a user's own
        source (``is_default=False``) by whoever subscribes to it."""
        with self.transaction() as conn:
            existing = conn.execute(select(sources).where(sources.c.url == url)).first()
            if existing is not None:
                if is_default and not existing.is_default:
                    conn.execute(
                        update(sources).where(sources.c.id == existing.id).values(is_default=True)
                    )
                    self._subscribe_all(conn, existing.id, now)
                    existing = conn.execute(
                        select(sources).where(sources.c.id == existing.id)
                    ).one()
                return _source(existing), False
            new_id = conn.execute(
                insert(sources).values(
                    url=url,
                    title=title,
                    full_text=full_text,
                    enabled=True,
                    added_at=now,
                    error_count=0,
                    is_default=is_default,
                )
            ).inserted_primary_key[0]
            if is_default:
                self._subscribe_all(conn, new_id, now)
            return _source(conn.execute(select(sources).where(sources.c.id == new_id)).one()), True

    @staticmethod
    def _subscribe_all(conn: Connection, source_id: int, now: datetime) -> None:
        have = set(
            conn.execute(
                select(subscriptions.c.user_id).where(subscriptions.c.source_id == source_id)
            ).scalars()
        )
        rows = [
            {"user_id": u, "source_id": source_id, "added_at": now}
            for u in conn.execute(select(users.c.id)).scalars()
            if u not in have
        ]
        if rows:
            conn.execute(insert(subscriptions), rows)

    def get_source(self, ref: int | str) -> Source:
        """A source by id or by exact URL."""
        cond = sources.c.id == int(ref) if str(ref).isdigit() else sources.c.url == str(ref)
        with self.engine.connect() as conn:
            row = conn.execute(select(sources).where(cond)).first()
        if row is None:
            raise NotFound(f"no source {ref!r} (see `aube sources list`)")
        return _source(row)

    def list_sources(self, *, enabled_only: bool = False) -> list[Source]:
        query = select(sources).order_by(sources.c.id)
        if enabled_only:
            query = query.where(sources.c.enabled.is_(True))
        with self.engine.connect() as conn:
            return [_source(r) for r in conn.execute(query)]

    def source_item_counts(self) -> dict[int, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(items.c.source_id, func.count()).group_by(items.c.source_id))
            return {sid: n for sid, n in rows}

    def update_source(self, source_id: int, **values: object) -> Source:
        allowed = {"title", "full_text", "enabled", "site_url"}
        bad = set(values) - allowed
        if bad:
            raise InvalidInput(f"cannot change source field(s): {', '.join(sorted(bad))}")
        if "full_text" in values and values["full_text"] not in ("auto", "always", "never"):
            raise InvalidInput(
                f"full_text must be auto, always or never, not {values['full_text']!r}"
            )
        with self.transaction() as conn:
            done = conn.execute(update(sources).where(sources.c.id == source_id).values(**values))
            if done.rowcount == 0:
                raise NotFound(f"no source {source_id}")
        return self.get_source(source_id)

    def remove_source(self, source_id: int, *, now: datetime) -> int:
        """Delete a source and its items; stories left empty go too. Returns items removed."""
        with self.transaction() as conn:
            if conn.execute(select(sources.c.id).where(sources.c.id == source_id)).first() is None:
                raise NotFound(f"no source {source_id}")
            item_ids = select(items.c.id).where(items.c.source_id == source_id)
            touched = [
                r[0]
                for r in conn.execute(
                    select(story_items.c.story_id)
                    .where(story_items.c.item_id.in_(item_ids))
                    .distinct()
                )
            ]
            conn.execute(delete(story_items).where(story_items.c.item_id.in_(item_ids)))
            removed = conn.execute(delete(items).where(items.c.source_id == source_id)).rowcount
            conn.execute(delete(sources).where(sources.c.id == source_id))
            self._recount_stories(conn, touched, now=now)  # type: ignore[attr-defined]
        return removed

    def record_fetch(
        self,
        source_id: int,
        *,
        now: datetime,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        site_url: str | None = None,
    ) -> None:
        """Note the outcome of one fetch: an error marks the source, a success clears it."""
        values: dict[str, object] = {"last_fetched_at": now}
        if error is None:
            values.update(last_ok_at=now, last_error=None, error_count=0)
            if etag is not None or last_modified is not None:
                values.update(etag=etag, last_modified=last_modified)
            if site_url:
                values["site_url"] = site_url
        else:
            values.update(last_error=error[:2000], error_count=sources.c.error_count + 1)
        with self.transaction() as conn:
            conn.execute(update(sources).where(sources.c.id == source_id).values(**values))
            if error is None and title:
                # The feed's own title fills in a title the person did not choose.
                conn.execute(
                    update(sources)
                    .where(sources.c.id == source_id, sources.c.title == "")
                    .values(title=title[:300])
                )
