"""Subscription lists in and out as OPML (the format every feed reader exports).

``parse_opml`` reads nested folders (their titles become ``category``, joined with "/"),
finds ``xmlUrl`` in any letter case, and keeps http(s) feeds only (``feed://`` is read as
http). It refuses a DOCTYPE outright, so entity tricks (billion laughs, external
entities) never reach the parser; the parser itself is also set never to resolve entities,
load a DTD or touch the network. Errors are ``InvalidInput`` naming the line and problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import lxml.etree

from aube.errors import InvalidInput
from aube.ingest.urls import is_http_url


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str
    category: str | None = None  # folder path, "News/World"


def _safe_parser() -> lxml.etree.XMLParser:
    return lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )  # fmt: skip


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds of an OPML document, in document order, each URL once. Raises InvalidInput."""
    if not data.strip():
        raise InvalidInput("the OPML file is empty")
    match = re.search(rb"<!(DOCTYPE|ENTITY)", data, re.IGNORECASE)
    if match:
        line = data[: match.start()].count(b"\n") + 1
        raise InvalidInput(
            f"the OPML file has a {match.group(1).decode().upper()} declaration on line {line}; "
            "Aube refuses DTDs and entities in OPML (they can expand without bound or read files)"
        )
    try:
        root = lxml.etree.fromstring(data, _safe_parser())
    except lxml.etree.XMLSyntaxError as exc:
        raise InvalidInput(
            f"the OPML file is not well-formed XML: {exc.msg} (line {exc.lineno})"
        ) from None
    if root.getroottree().docinfo.doctype:  # a DOCTYPE in an encoding the scan above missed
        raise InvalidInput("the OPML file has a DOCTYPE declaration; Aube refuses DTDs in OPML")
    if _local(root.tag) != "opml":
        name = _local(root.tag)
        raise InvalidInput(f"the file is not OPML: its root is <{name}> (line {root.sourceline})")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise InvalidInput("the OPML file has no <body> element")
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    _walk(body, [], feeds, seen)
    return feeds


def _walk(
    node: lxml.etree._Element, folders: list[str], feeds: list[OpmlFeed], seen: set[str]
) -> None:
    for outline in node:
        if not isinstance(outline.tag, str) or _local(outline.tag) != "outline":
            continue
        attrs = {str(key).lower(): (value or "").strip() for key, value in outline.attrib.items()}
        label = attrs.get("title") or attrs.get("text") or ""
        url = _feed_url(attrs.get("xmlurl", ""))
        if attrs.get("xmlurl"):
            category = "/".join(folders) or _category_attribute(attrs.get("category", ""))
            if url and url not in seen:
                seen.add(url)
                feeds.append(OpmlFeed(url, label or url, category or None))
        else:
            _walk(outline, [*folders, label] if label else folders, feeds, seen)


def _feed_url(value: str) -> str | None:
    url, lowered = value.strip(), value.strip().lower()
    if lowered.startswith("feed://"):
        url = "http://" + url[7:]
    elif lowered.startswith("feed:"):  # feed:https://example.com/rss
        url = url[5:]
    return url if is_http_url(url) else None


def _category_attribute(value: str) -> str:
    # OPML 2.0: comma-separated slash paths, e.g. "/Tech/Linux,/News"; the first one is kept.
    first = value.split(",")[0].strip().strip("/")
    return first


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def write_opml(feeds: Iterable[OpmlFeed], title: str = "Aube subscriptions") -> bytes:
    """An OPML 2.0 document of ``feeds``, folders nested by category ("News/World")."""
    root = lxml.etree.Element("opml", version="2.0")
    head = lxml.etree.SubElement(root, "head")
    lxml.etree.SubElement(head, "title").text = title
    lxml.etree.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = lxml.etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], lxml.etree._Element] = {(): body}
    for feed in feeds:
        path = tuple(part for part in (feed.category or "").split("/") if part.strip())
        parent = _folder(folders, path)
        lxml.etree.SubElement(
            parent, "outline", type="rss", text=feed.title, title=feed.title, xmlUrl=feed.url
        )
    return lxml.etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _folder(
    folders: dict[tuple[str, ...], lxml.etree._Element], path: tuple[str, ...]
) -> lxml.etree._Element:
    if path not in folders:
        parent = _folder(folders, path[:-1])
        folders[path] = lxml.etree.SubElement(parent, "outline", text=path[-1], title=path[-1])
    return folders[path]
