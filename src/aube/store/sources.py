"""Sources: the feeds Aube reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update

from aube.errors import InvalidInput, NotFound
from aube.store.base import Repo, row_dict
from aube.store.schema import items, sources, story_items
from aube.store.stories import StoriesRepo
from aube.store.subscriptions import SubscriptionsRepo
from aube.types import FullText, Source


def _source(row: object) -> Source:
    return Source(**row_dict(row))


class SourcesRepo(Repo):
    def add(
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
        existing = self.conn.execute(select(sources).where(sources.c.url == url)).first()
        if existing is not None:
            if is_default and not existing.is_default:
                self.conn.execute(
                    update(sources).where(sources.c.id == existing.id).values(is_default=True)
                )
                SubscriptionsRepo(self.conn).subscribe_everyone(existing.id, now=now)
                existing = self.conn.execute(
                    select(sources).where(sources.c.id == existing.id)
                ).one()
            return _source(existing), False
        new_id = self.conn.execute(
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
            SubscriptionsRepo(self.conn).subscribe_everyone(new_id, now=now)
        return self.get(int(new_id)), True

    def get(self, ref: int | str) -> Source:
        """A source by id or by exact URL."""
        cond = sources.c.id == int(ref) if str(ref).isdigit() else sources.c.url == str(ref)
        row = self.conn.execute(select(sources).where(cond)).first()
        if row is None:
            raise NotFound(f"no source {ref!r} (see `aube sources list`)")
        return _source(row)

    def all(self, *, enabled_only: bool = False) -> list[Source]:
        query = select(sources).order_by(sources.c.id)
        if enabled_only:
            query = query.where(sources.c.enabled.is_(True))
        return [_source(r) for r in self.conn.execute(query)]

    def item_counts(self) -> dict[int, int]:
        rows = self.conn.execute(
            select(items.c.source_id, func.count()).group_by(items.c.source_id)
        )
        return {sid: n for sid, n in rows}

    def update(self, source_id: int, **values: object) -> Source:
        allowed = {"title", "full_text", "enabled", "site_url"}
        bad = set(values) - allowed
        if bad:
            raise InvalidInput(f"cannot change source field(s): {', '.join(sorted(bad))}")
        if "full_text" in values and values["full_text"] not in ("auto", "always", "never"):
            raise InvalidInput(
                f"full_text must be auto, always or never, not {values['full_text']!r}"
            )
        done = self.conn.execute(update(sources).where(sources.c.id == source_id).values(**values))
        if done.rowcount == 0:
            raise NotFound(f"no source {source_id}")
        return self.get(source_id)

    def remove(self, source_id: int, *, now: datetime) -> int:
        """Delete a source and its items; stories left empty go too. Returns items removed."""
        conn = self.conn
        if conn.execute(select(sources.c.id).where(sources.c.id == source_id)).first() is None:
            raise NotFound(f"no source {source_id}")
        item_ids = select(items.c.id).where(items.c.source_id == source_id)
        touched = [
            r[0]
            for r in conn.execute(
                select(story_items.c.story_id).where(story_items.c.item_id.in_(item_ids)).distinct()
            )
        ]
        conn.execute(delete(story_items).where(story_items.c.item_id.in_(item_ids)))
        removed = conn.execute(delete(items).where(items.c.source_id == source_id)).rowcount
        conn.execute(delete(sources).where(sources.c.id == source_id))
        StoriesRepo(conn).recount(touched, now=now)
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
        self.conn.execute(update(sources).where(sources.c.id == source_id).values(**values))
        if error is None and title:
            # The feed's own title fills in a title the person did not choose.
            self.conn.execute(
                update(sources)
                .where(sources.c.id == source_id, sources.c.title == "")
                .values(title=title[:300])
            )
