"""An article page → its main text, with trafilatura (tuned for precision: better to miss a
paragraph than to serve a menu or a cookie banner as the story). Nothing here fetches."""

from __future__ import annotations

from aube.ingest.sanitize import clean_html, html_to_text

MIN_TEXT_CHARS = 200
"""Less extracted text than this is treated as nothing useful (a teaser, a paywall, an index)."""


def extract_article(html: bytes | str, url: str) -> tuple[str, str] | None:
    """(plain text, sanitized HTML) of the page's main text, or None when nothing useful."""
    # Imported here: trafilatura pulls in a large dependency tree that most commands never need.
    import trafilatura

    if not html or not html.strip():
        return None
    try:
        extracted = trafilatura.extract(
            html,
            url=url,
            output_format="html",
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=True,
            include_formatting=True,
            with_metadata=False,
            deduplicate=False,
        )
    except (ValueError, TypeError, RecursionError):  # trafilatura's answer to hopeless markup
        return None
    if not extracted:
        return None
    safe = clean_html(extracted, url)
    text = html_to_text(safe)
    if len(text) < MIN_TEXT_CHARS:
        return None
    return text, safe
