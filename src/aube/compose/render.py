"""An edition as plain text: the terminal's and the email's plain part share it."""

from __future__ import annotations

import textwrap

from aube.compose.edition import END_MARKER
from aube.types import Card, Edition

WIDTH = 78


def card_text(card: Card, number: int) -> str:
    lines = [f"{number}. {'[update] ' if card.kind == 'update' else ''}{card.headline}"]
    if card.summary:
        lines += textwrap.wrap(card.summary, WIDTH, initial_indent="   ", subsequent_indent="   ")
    for change in card.changes:
        lines += textwrap.wrap(
            f"new: {change}", WIDTH, initial_indent="   + ", subsequent_indent="     "
        )
    lines.append(f"   Why: {card.reason}")
    for s in card.sources[:4]:
        lines.append(f"   — {s.publisher}, {s.published_at[:16].replace('T', ' ')}: {s.url}")
    if len(card.sources) > 4:
        lines.append(f"   … and {len(card.sources) - 4} more source(s)")
    lines.append(
        f"   (card {card.id}{', saved' if card.saved else ''}"
        f"{', ' + card.feedback if card.feedback else ''})"
    )
    return "\n".join(lines)


def edition_text(edition: Edition, *, name: str = "") -> str:
    head = f"Your briefing for {edition.date}" + (f", {name}" if name else "")
    parts = [head, "=" * len(head), ""]
    if not edition.cards:
        parts.append(
            "Nothing today matched your interests closely enough. Tell Aube what you "
            "follow (aube curate, aube import chats) and tomorrow will be better."
        )
    for n, card in enumerate(edition.cards, 1):
        parts.append(card_text(card, n))
        parts.append("")
    if edition.quiet and edition.cards:
        parts.append("A quiet day: only these stories were worth your time.")
    parts.append(END_MARKER)
    return "\n".join(parts) + "\n"
