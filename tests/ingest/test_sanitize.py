"""Sanitizing untrusted HTML, and turning HTML into plain text."""

from __future__ import annotations

import pytest

from aube.ingest.sanitize import clean_html, html_to_text

BASE = "https://news.example/2026/story"

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<body onload="alert(1)">',
    '<p onclick="alert(1)" onmouseover="alert(1)">text</p>',
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href="java&#x09;script:alert(1)">link</a>',
    '<a href=" &#14; javascript:alert(1)">link</a>',
    '<a href="vbscript:msgbox(1)">link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="javascript:alert(1)">',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<style>body { background: url("javascript:alert(1)") }</style>',
    '<div style="background-image: url(javascript:alert(1)); position: fixed; top: 0">overlay</div>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example/"><input name="password"><button>go</button></form>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="https://ok.example/" target="_blank" class="btn" id="x">fine</a>',
]

FORBIDDEN = [
    "<script",
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "javascript:",
    "vbscript:",
    "data:",
    "<iframe",
    "<object",
    "<embed",
    "<svg",
    "<math",
    "<style",
    "style=",
    "<link",
    "<meta",
    "<base",
    "<form",
    "<input",
    "<button",
    "srcdoc",
    "class=",
    "id=",
    "target=",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_dangerous_survives(payload: str) -> None:
    cleaned = clean_html(f"<p>before</p>{payload}<p>after</p>", BASE).lower()
    for marker in FORBIDDEN:
        assert marker not in cleaned, (marker, cleaned)
    assert "after" in cleaned  # the rest of the article is still there


def test_article_html_keeps_its_structure() -> None:
    article = (
        "<h2>Heading</h2><p>A <em>first</em> paragraph with <strong>bold</strong> and a "
        '<a href="/related">relative link</a>.</p><ul><li>one</li><li>two</li></ul>'
        "<blockquote>quoted</blockquote><pre><code>x = 1</code></pre>"
        '<img src="/img/photo.jpg" alt="A photo" width="640"><ol start="3"><li>three</li></ol>'
        '<table><tr><th>k</th><td>v</td></tr></table><a href="mailto:desk@news.example">mail</a>'
    )
    cleaned = clean_html(article, BASE)
    for kept in (
        "<h2>",
        "<em>first</em>",
        "<strong>bold</strong>",
        "<ul><li>one</li>",
        "<blockquote>",
        "<pre><code>",
        '<ol start="3">',
        "<table>",
        "<th>k</th>",
    ):
        assert kept in cleaned, kept
    assert (
        '<a href="https://news.example/related" rel="noopener noreferrer nofollow">relative link</a>'
        in cleaned
    )
    assert 'src="https://news.example/img/photo.jpg"' in cleaned and 'alt="A photo"' in cleaned
    assert 'href="mailto:desk@news.example"' in cleaned


def test_images_must_be_http() -> None:
    cleaned = clean_html(
        '<img src="ftp://x.example/a.png"><img src="mailto:a@b"><img src="//cdn.example/a.png">',
        BASE,
    )
    assert "ftp:" not in cleaned and "mailto:" not in cleaned
    assert 'src="https://cdn.example/a.png"' in cleaned


def test_empty_html() -> None:
    assert clean_html("", BASE) == "" and clean_html("   ", None) == ""


def test_html_to_text_paragraphs_lines_and_entities() -> None:
    html = (
        "<h1>Title</h1><p>Hello&nbsp;  <b>world</b> &amp; co.\n  again</p><p>Second<br>line</p>"
        "<ul><li>a</li><li>b</li></ul>tail &#8212; &eacute;<script>var x = 1;</script><style>p{}</style>"
    )
    assert (
        html_to_text(html)
        == "Title\n\nHello world & co. again\n\nSecond\nline\n\na\n\nb\n\ntail \u2014 \u00e9"
    )


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("", ""),
        ("plain words", "plain words"),
        ("Fish &amp; chips", "Fish & chips"),
        ("  spaced\n\n out  ", "spaced out"),
        ("<p></p><div> </div>", ""),
    ],
)
def test_html_to_text_small_cases(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_html_to_text_survives_odd_markup() -> None:
    assert html_to_text('<?xml version="1.0" encoding="utf-8"?><p>x</p>') == "x"
    assert html_to_text("<p>unclosed <b>bold <i>both") == "unclosed bold both"
    assert "deep" in html_to_text("<div>" * 1000 + "deep" + "</div>" * 1000)
