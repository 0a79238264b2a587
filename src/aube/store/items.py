"""Items: the entries read from sources, cleaned and deduplicated."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, tuple_, update

from aube.store.base import Repo, chunks, row_dict
from aube.store.schema import items, sources, story_items
from aube.types import Item, NewItem


@dataclass
class InsertResult:
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    duplicates: int = 0


_ITEM_COLUMNS = [c for c in items.c if c.name != "id"]


class ItemsRepo(Repo):
    def insert(self, new: Sequence[NewItem]) -> InsertResult:
        """Store new entries once. An entry is a duplicate when its (source, guid), canonical URL
        or content hash is already known; a known (source, guid) whose content changed is updated
        in place (its hash changes, so its embedding and story summary are recomputed)."""
        result = InsertResult()
        if not new:
            return result
        tx = self.conn
        by_key = self._existing_by_guid([(n.source_id, n.guid) for n in new])
        known_urls = self._existing(items.c.url, [n.url for n in new if n.url])
        known_hashes = self._existing(items.c.content_hash, [n.content_hash for n in new])
        rows: list[dict[str, object]] = []
        seen_keys: set[tuple[int, str]] = set()
        for n in new:
            key = (n.source_id, n.guid)
            if key in seen_keys:
                result.duplicates += 1
                continue
            seen_keys.add(key)
            if key in by_key:
                item_id, old_hash = by_key[key]
                if old_hash != n.content_hash and n.content_hash not in known_hashes:
                    values = {k: v for k, v in _row(n).items() if k in _UPDATABLE}
                    tx.execute(update(items).where(items.c.id == item_id).values(**values))
                    known_hashes.add(n.content_hash)
                    result.updated.append(item_id)
                else:
                    result.duplicates += 1
                continue
            if (n.url and n.url in known_urls) or n.content_hash in known_hashes:
                result.duplicates += 1
                continue
            if n.url:
                known_urls.add(n.url)
            known_hashes.add(n.content_hash)
            rows.append(_row(n))
        for part in chunks(rows, 500):
            ids = tx.execute(
                insert(items).returning(items.c.id, sort_by_parameter_order=True), list(part)
            ).scalars()
            result.inserted.extend(ids)
        return result

    def _existing(self, column: Any, values: Iterable[str]) -> set[str]:
        found: set[str] = set()
        wanted = sorted(set(values))
        for part in chunks(wanted):
            found.update(r[0] for r in self.conn.execute(select(column).where(column.in_(part))))
        return found

    def _existing_by_guid(
        self, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], tuple[int, str]]:
        found: dict[tuple[int, str], tuple[int, str]] = {}
        for part in chunks(sorted(set(keys)), 400):
            query = select(items.c.source_id, items.c.guid, items.c.id, items.c.content_hash).where(
                tuple_(items.c.source_id, items.c.guid).in_(list(part))
            )
            for sid, guid, iid, h in self.conn.execute(query):
                found[(sid, guid)] = (iid, h)
        return found

    def known_guids(self, source_id: int, guids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(sorted(set(guids))):
            query = select(items.c.guid).where(
                items.c.source_id == source_id, items.c.guid.in_(part)
            )
            found.update(self.conn.execute(query).scalars())
        return found

    def get_many(self, ids: Sequence[int]) -> list[Item]:
        """Items by id, in the order asked, with their publisher (the source's title or host)."""
        found: dict[int, Item] = {}
        for part in chunks(list(ids)):
            query = (
                select(items, sources.c.title.label("publisher"), sources.c.url.label("feed"))
                .join(sources, sources.c.id == items.c.source_id)
                .where(items.c.id.in_(part))
            )
            for row in self.conn.execute(query):
                data = row_dict(row)
                data["publisher"] = publisher_name(data.pop("publisher"), data.pop("feed"))
                data.pop("full_text_extracted", None)
                data["url"] = data["url"] or ""
                found[data["id"]] = Item(**data)
        return [found[i] for i in ids if i in found]

    def unclustered_ids(self, *, since: datetime | None = None) -> list[int]:
        """Items not yet in any story, oldest first."""
        query = (
            select(items.c.id)
            .outerjoin(story_items, story_items.c.item_id == items.c.id)
            .where(story_items.c.item_id.is_(None))
            .order_by(items.c.published_at, items.c.id)
        )
        if since is not None:
            query = query.where(items.c.published_at >= since)
        return list(self.conn.execute(query).scalars())

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(items)).scalar_one())

    def of_source(self, source_id: int, *, limit: int = 50) -> list[Item]:
        ids = self.conn.execute(
            select(items.c.id)
            .where(and_(items.c.source_id == source_id))
            .order_by(items.c.published_at.desc())
            .limit(limit)
        ).scalars()
        return self.get_many(list(ids))


_UPDATABLE = {
    "url",
    "title",
    "summary",
    "text",
    "html",
    "author",
    "content_hash",
    "lang",
    "full_text_extracted",
    "fetched_at",
}


def _row(n: NewItem) -> dict[str, object]:
    data = asdict(n)
    data["url"] = data["url"] or None
    return {c.name: data[c.name] for c in _ITEM_COLUMNS}


_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or"}


def publisher_key(site_url: str | None, feed_url: str) -> str:
    """Who publishes a source, for counting publishers: the registrable part of its site's
    host (two feeds of wsj.com are one publisher)."""
    url = site_url or feed_url
    host = (url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]).lower()
    labels = [x for x in host.split(".") if x]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:]) if len(labels) >= 2 else host


def publisher_name(title: str, feed_url: str) -> str:
    """The name shown for a source: its title, else its host without www."""
    if title:
        return title
    host = feed_url.split("://", 1)[-1].split("/", 1)[0]
    return host.removeprefix("www.")
