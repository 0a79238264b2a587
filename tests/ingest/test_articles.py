"""Main-text extraction from an article page (no network: the HTML is here)."""

from __future__ import annotations

from aube.ingest.articles import extract_article

PARAGRAPHS = [
    (
        "The city council voted on Tuesday to approve a new transit plan that will add three bus lines "
        "and extend the tram to the airport by 2028. Officials said the plan would cost 1.2 billion euros."
    ),
    (
        "Critics argued that the budget was too optimistic and that construction would disrupt "
        "businesses along the route for years, pointing to delays on the previous extension."
    ),
    (
        "The mayor defended the plan, saying that public transport ridership had grown by 18 percent "
        "since 2022 and that congestion was costing the region millions of euros every year."
    ),
]

PAGE = f"""<!DOCTYPE html><html><head><title>Transit plan approved</title>
<script>window.tracker = 1;</script><style>body {{ color: red }}</style></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies. <button>Accept</button></div>
<article><h1>Transit plan approved</h1>
<p>{PARAGRAPHS[0]}</p>
<p>{PARAGRAPHS[1].replace("budget", '<a href="/budget" onclick="steal()">budget</a>')}</p>
<ul><li>Three new bus lines</li><li>A tram extension to the airport</li></ul>
<p>{PARAGRAPHS[2]}</p></article>
<aside><h3>Most read</h3><ul><li><a href="/x">Celebrity gossip</a></li></ul></aside>
<footer>Copyright 2026 News Example. All rights reserved.</footer></body></html>"""


def test_the_main_text_is_extracted_and_sanitized() -> None:
    result = extract_article(PAGE.encode("utf-8"), "https://news.example/2026/transit")
    assert result is not None
    text, html = result
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "\n\n" in text  # paragraphs stay apart
    assert "cookies" not in text and "Celebrity gossip" not in text and "tracker" not in text
    assert "<script" not in html and "onclick" not in html
    assert 'href="https://news.example/budget"' in html  # links made absolute


def test_a_page_without_an_article_gives_none() -> None:
    page = "<html><body><nav><a href='/'>Home</a></nav><p>Subscribe to read.</p></body></html>"
    assert extract_article(page, "https://news.example/paywalled") is None


def test_garbage_gives_none() -> None:
    assert extract_article(b"", "https://news.example/") is None
    assert extract_article(b"\x00\xff\xfe binary", "https://news.example/") is None
