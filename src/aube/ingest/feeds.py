"""A fetched body → the feed's entries: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed.

``parse_feed`` never touches the network or the disk and either returns a ``ParsedFeed``
or raises ``FeedError`` with a reason a person can act on:

- an HTML page raises ``NotAFeed``, whose ``alternates`` lists the feeds the page
  advertises (``<link rel="alternate" type="application/rss+xml" …>``), best first;
- XML that declares entities (``<!ENTITY``: billion laughs, external entities) is refused
  before any parser sees it;
- malformed XML is accepted when entries could be recovered (with a warning), refused
  when nothing usable is left; an empty feed is valid;
- bytes go in undecoded so feedparser can sniff the encoding (BOM, XML declaration,
  HTTP charset); an unreadable date leaves ``published`` as None.

Entry ``url``s are absolute (resolved against the feed URL) and http(s), else None; the
``guid`` falls back from the feed's id to the link to a hash of title and summary.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.html

from aube.errors import FeedError
from aube.ingest.sanitize import html_to_text
from aube.ingest.urls import is_http_url


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    url: str | None
    title: str  # plain text
    summary_html: str  # untrusted HTML (plain-text summaries are escaped): sanitize before use
    content_html: str  # untrusted HTML of the full content when the feed carries it, else ""
    author: str | None
    published: datetime | None  # aware, UTC


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    site_url: str | None
    entries: tuple[FeedEntry, ...]
    warnings: tuple[str, ...]


class NotAFeed(FeedError):
    """The body is HTML, not a feed. ``alternates``: feed URLs the page links to, best first."""

    def __init__(self, message: str, alternates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.alternates = alternates

    @property
    def suggestion(self) -> str | None:
        return self.alternates[0] if self.alternates else None


FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
)
_HTML_ROOTS = frozenset(
    {"html", "head", "body", "p", "div", "img", "a", "span", "table", "br", "h1", "h2", "h3",
     "ul", "ol", "meta", "link", "script", "title"}
)  # fmt: skip
_ROOT = re.compile(r"<([A-Za-z_][\w:.-]*)")
_BENIGN = (feedparser.NonXMLContentType,)  # a feed served as text/html or octet-stream


def parse_feed(
    content: bytes, *, url: str, content_type: str | None, max_entries: int
) -> ParsedFeed:
    """The entries of one fetched feed document (at most ``max_entries``). Raises FeedError."""
    body = _strip_leading_space(content)
    if not body.strip():
        raise FeedError(f"{url} is empty: the server sent no feed")
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, url, max_entries)
    prolog, root = _prolog_and_root(body)
    if "<!ENTITY" in prolog.upper():
        raise FeedError(
            f"{url} declares XML entities (<!ENTITY …>), which Aube refuses: they can expand "
            "to gigabytes (billion laughs) or read local files"
        )
    parsed = feedparser.parse(
        io.BytesIO(body),  # a file object: feedparser opens a bytes *path* if given bytes
        response_headers={"content-location": url, "content-type": _xml_type(content_type)},
    )
    version, entries = parsed.get("version", ""), parsed.get("entries", [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    doctype_html = re.search(r"<!DOCTYPE\s+html", prolog, re.IGNORECASE) is not None
    is_page = root in ("html", "head", "body") or doctype_html
    if not entries and (is_page or (not version and _is_html(root, content_type))):
        raise _not_a_feed(body, url, "an HTML page" if is_page else "HTML")
    if not version and not entries:
        reason = f"not well-formed XML ({problem})" if problem else "XML, but not RSS or Atom"
        raise FeedError(f"{url} is not a feed: {reason}")
    warnings: list[str] = [f"{url} is a feed inside an HTML page"] if is_page else []
    if problem is not None and not isinstance(problem, _BENIGN):
        warnings.append(f"{url} is not well-formed ({problem}); read what could be recovered")
    feed = parsed.get("feed", {})
    site_url = _http_link(url, dict.get(feed, "link"))
    result, bad_dates = [], 0
    for raw in entries[:max_entries]:
        entry, had_bad_date = _entry(raw, url)
        bad_dates += had_bad_date
        result.append(entry)
    _note_limits(warnings, url, len(entries), max_entries, bad_dates)
    return ParsedFeed(_text_of(feed, "title"), site_url, tuple(result), tuple(warnings))


def _is_html(root: str, content_type: str | None) -> bool:
    return root in _HTML_ROOTS or (content_type or "").lower().startswith("text/html")


def _strip_leading_space(content: bytes) -> bytes:
    # Many real feeds put a newline before "<?xml", which strict XML forbids; the feedjira
    # samples are full of them. Dropping it costs nothing and keeps the strict parser.
    body = content.removeprefix(b"\xef\xbb\xbf")
    stripped = body.lstrip(b" \t\r\n")
    return stripped if stripped.startswith((b"<", b"{", b"[")) else content


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if body[:1] in (b"{", b"["):
        return True
    ctype = (content_type or "").lower()
    return "json" in ctype and body.lstrip()[:1] != b"<"


def _prolog_and_root(body: bytes) -> tuple[str, str]:
    """The text before the root element (declarations, comments, DOCTYPE) and the root's name."""
    text = body.decode(_sniff_wide_encoding(body) or "latin-1", "replace")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    match = _ROOT.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], match.group(1).lower()


def _sniff_wide_encoding(body: bytes) -> str | None:
    """UTF-16/32 by BOM or by the zero bytes around the first "<"; None for ASCII-compatible."""
    for prefix, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
        (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
        (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
    ):  # fmt: skip
        if body.startswith(prefix):
            return codec
    return None


def _xml_type(content_type: str | None) -> str:
    # RFC 3023 makes text/* without a charset US-ASCII; real feeds served so are UTF-8 or
    # declare their encoding, so only a charset the server actually sent is passed on.
    ctype = (content_type or "").strip()
    charset = re.search(r"charset\s*=\s*\"?([\w.:-]+)", ctype, re.IGNORECASE)
    return f"application/xml; charset={charset.group(1)}" if charset else "application/xml"


def _not_a_feed(body: bytes, url: str, what: str) -> NotAFeed:
    alternates = feed_links(body, url)
    if alternates:
        hint = f"; the page points to a feed at {alternates[0]}: subscribe to that instead"
    else:
        hint = "; the page does not advertise a feed"
    return NotAFeed(f"{url} is {what}, not a feed{hint}", alternates)


def feed_links(page: bytes, url: str) -> tuple[str, ...]:
    """Feed URLs an HTML page advertises with ``<link rel="alternate">``, comment feeds last."""
    try:
        document = lxml.html.document_fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return ()
    found: list[tuple[bool, str]] = []
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            absolute = urljoin(url, href)
            if is_http_url(absolute) and absolute not in (u for _, u in found):
                is_comments = "comment" in (link.get("title") or "").lower() + href.lower()
                found.append((is_comments, absolute))
    return tuple(u for _, u in sorted(found, key=lambda pair: pair[0]))


def _entry(raw: Any, feed_url: str) -> tuple[FeedEntry, bool]:
    title = _text_of(raw, "title")
    summary = _html_of(dict.get(raw, "summary_detail")) or html.escape(dict.get(raw, "summary", ""))
    contents = dict.get(raw, "content") or []
    htmls = [c for c in contents if "html" in (c.get("type") or "")]
    content = _html_of((htmls or contents or [None])[0])
    link = _http_link(feed_url, dict.get(raw, "link"))
    author = (dict.get(raw, "author") or "").strip() or None
    published = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        published = published or _from_struct(dict.get(raw, key))
    had_date_text = any(dict.get(raw, key) for key in ("published", "updated", "created"))
    guid = (dict.get(raw, "id") or "").strip() or link or _hash_guid(title, summary)
    entry = FeedEntry(guid, link, title, summary, content, author, published)
    return entry, published is None and had_date_text


def _text_of(node: Any, key: str) -> str:
    value = dict.get(node, key) or ""
    detail = dict.get(node, f"{key}_detail") or {}
    if "html" in (detail.get("type") or ""):
        return html_to_text(value)
    return " ".join(value.split())


def _html_of(detail: Any) -> str:
    if not detail:
        return ""
    value = detail.get("value") or ""
    return value if "html" in (detail.get("type") or "text/html") else html.escape(value)


def _http_link(base: str, link: Any) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    absolute = urljoin(base, link.strip())
    return absolute if is_http_url(absolute) else None


def _from_struct(value: Any) -> datetime | None:
    try:
        return datetime(*value[:6], tzinfo=UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _hash_guid(title: str, summary: str) -> str:
    return "sha256:" + hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()[:32]


def _note_limits(warnings: list[str], url: str, total: int, limit: int, bad_dates: int) -> None:
    if total > limit:
        warnings.append(f"{url} has {total} entries; read the first {limit} (ingest_max_entries)")
    if bad_dates:
        warnings.append(
            f"{url}: {bad_dates} entr{'y' if bad_dates == 1 else 'ies'} with an unreadable date"
        )


# -- JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1); feedparser does not read it ----


def _parse_json_feed(body: bytes, url: str, max_entries: int) -> ParsedFeed:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise FeedError(f"{url} is not valid JSON ({exc})") from None
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise FeedError(f"{url} is JSON but not a JSON Feed (no jsonfeed.org version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedError(f"{url} is a JSON Feed without an items list")
    warnings: list[str] = []
    entries, bad_dates, skipped = [], 0, 0
    for item in items[:max_entries]:
        if not isinstance(item, dict):
            skipped += 1
            continue
        entry, had_bad_date = _json_entry(item, url, document)
        entries.append(entry)
        bad_dates += had_bad_date
    if skipped:
        warnings.append(f"{url}: skipped {skipped} items that are not JSON objects")
    _note_limits(warnings, url, len(items), max_entries, bad_dates)
    title = " ".join(_str(document.get("title")).split())
    return ParsedFeed(
        title, _http_link(url, document.get("home_page_url")), tuple(entries), tuple(warnings)
    )


def _json_entry(
    item: dict[str, Any], feed_url: str, feed: dict[str, Any]
) -> tuple[FeedEntry, bool]:
    link = _http_link(feed_url, item.get("url")) or _http_link(feed_url, item.get("external_url"))
    title = " ".join(_str(item.get("title")).split())
    summary = html.escape(_str(item.get("summary")))
    content = _str(item.get("content_html"))
    if not content and _str(item.get("content_text")):
        paragraphs = re.split(r"\n\s*\n", _str(item.get("content_text")).strip())
        content = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    authors = item.get("authors") or feed.get("authors") or []
    author_obj = (
        authors[0]
        if isinstance(authors, list) and authors
        else item.get("author") or feed.get("author")
    )
    author = _str(author_obj.get("name")).strip() if isinstance(author_obj, dict) else ""
    raw_dates = [_str(item.get("date_published")), _str(item.get("date_modified"))]
    published = next((d for d in map(_iso_date, raw_dates) if d is not None), None)
    ident = item.get("id")
    guid = (
        (str(ident).strip() if ident not in (None, "") else "")
        or link
        or _hash_guid(title, summary)
    )
    entry = FeedEntry(guid, link, title, summary, content, author or None, published)
    return entry, published is None and any(raw_dates)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _iso_date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
