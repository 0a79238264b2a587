"""What the channels' templates are given: the Jinja environment and a card as a template sees it."""

from __future__ import annotations

import functools
import textwrap
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from aube.config import Settings
from aube.deliver.base import card_url, safe_href
from aube.types import Card

MAX_SOURCES = 4


@functools.cache
def templates() -> Environment:
    """HTML and XML templates are autoescaped: card text comes from feeds."""
    return Environment(
        loader=PackageLoader("aube.deliver", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "xml.j2"), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def card_view(settings: Settings, card: Card) -> dict[str, Any]:
    sources = [
        {
            "publisher": s.publisher,
            "title": s.title,
            "href": safe_href(s.url),
            "when": s.published_at[:10],
        }
        for s in card.sources[:MAX_SOURCES]
    ]
    return {
        "kind": card.kind,
        "headline": card.headline,
        "summary": card.summary,
        "summary_lines": textwrap.wrap(card.summary, 75),
        "changes": list(card.changes),
        "reason": card.reason,
        "sources": sources,
        "more_sources": max(len(card.sources) - MAX_SOURCES, 0),
        "url": card_url(settings, card.id),
    }
