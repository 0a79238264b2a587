"""One feed entry → one clean item: canonical URL, sanitized HTML, plain text, language, hash."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from aube.ingest.feeds import FeedEntry
from aube.ingest.language import detect_language
from aube.ingest.sanitize import clean_html, html_to_text
from aube.ingest.urls import canonical_url, is_http_url
from aube.types import NewItem

# A feed's clock may run a little ahead; further ahead is a wrong date.
_FUTURE_SLACK = timedelta(hours=6)
_TITLE_FROM_TEXT = 120


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title.strip()}\n{text.strip()}".encode()).hexdigest()


def normalize_entry(
    entry: FeedEntry, *, source_id: int, now: datetime, feed_url: str
) -> NewItem | None:
    """The item for ``entry``, or None when it has nothing to show (no title and no text)."""
    url = canonical_url(entry.url) if entry.url and is_http_url(entry.url) else ""
    body_html = clean_html(entry.content_html or entry.summary_html, base_url=url or feed_url)
    text = html_to_text(body_html)
    if entry.content_html:
        summary = (
            html_to_text(clean_html(entry.summary_html, base_url=url or feed_url)) or text[:600]
        )
    else:  # the body is the summary: clean it once
        summary = text
    title = html_to_text(entry.title).strip()
    if not title:
        title = _shorten(summary or text)
    if not title:
        return None
    published = entry.published or now
    if published > now + _FUTURE_SLACK:
        published = now
    return NewItem(
        source_id=source_id,
        guid=entry.guid,
        url=url,
        title=title,
        summary=summary,
        text=text or summary,
        html=body_html,
        author=(entry.author or None),
        published_at=published,
        fetched_at=now,
        lang=detect_language(f"{title}. {(text or summary)[:600]}"),
        content_hash=content_hash(title, text or summary),
    )


def with_article(item: NewItem, text: str, html: str) -> NewItem:
    """The item with the article's main text as its body (the feed gave only a teaser)."""
    from dataclasses import replace

    return replace(
        item,
        text=text,
        html=html,
        full_text_extracted=True,
        content_hash=content_hash(item.title, text),
        lang=detect_language(f"{item.title}. {text[:600]}") or item.lang,
    )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _TITLE_FROM_TEXT:
        return text
    return text[:_TITLE_FROM_TEXT].rsplit(" ", 1)[0] + "…"
