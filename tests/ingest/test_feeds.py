"""parse_feed on hand-made hostile and odd documents (the real sample files: test_feed_samples)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aube.errors import FeedError
from aube.ingest.feeds import NotAFeed, parse_feed

URL = "https://blog.example/feed.xml"


def parse(body: bytes | str, content_type: str | None = None, max_entries: int = 100):
    data = body.encode() if isinstance(body, str) else body
    return parse_feed(data, url=URL, content_type=content_type, max_entries=max_entries)


def rss(
    items: str, head: str = '<?xml version="1.0" encoding="utf-8"?>', title: str = "Blog"
) -> str:
    return f'{head}<rss version="2.0"><channel><title>{title}</title><link>https://blog.example/</link>{items}</channel></rss>'


def test_rss_entries_with_dates_links_and_guids() -> None:
    feed = parse(
        rss(
            "<item><title>First &amp; foremost</title><link>/posts/1</link><guid>tag:blog,1</guid>"
            "<pubDate>Tue, 17 Oct 2017 12:17:00 +0200</pubDate><description>&lt;p&gt;Hi&lt;/p&gt;</description>"
            "<author>ann@blog.example (Ann)</author></item>"
        )
    )
    assert feed.title == "Blog" and feed.site_url == "https://blog.example/" and feed.warnings == ()
    [entry] = feed.entries
    assert entry.title == "First & foremost" and entry.guid == "tag:blog,1"
    assert entry.url == "https://blog.example/posts/1"  # relative link resolved against the feed
    assert entry.published == datetime(2017, 10, 17, 10, 17, tzinfo=UTC)
    assert entry.summary_html == "<p>Hi</p>" and entry.author


def test_atom_with_relative_links_and_html_title() -> None:
    atom = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title type="html">A &lt;b&gt;bold&lt;/b&gt; blog</title>
    <link href="/"/><entry><id>urn:1</id><title>One</title><link rel="alternate" href="posts/one"/>
    <updated>2024-02-29T23:00:00-05:00</updated><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"""
    feed = parse(atom)
    assert feed.title == "A bold blog" and feed.site_url == "https://blog.example/"
    [entry] = feed.entries
    assert entry.url == "https://blog.example/posts/one" and entry.content_html == "<p>Body</p>"
    assert entry.published == datetime(2024, 3, 1, 4, 0, tzinfo=UTC)


def test_rss_1_0_rdf() -> None:
    rdf = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
    <channel rdf:about="https://blog.example/"><title>RDF</title><link>https://blog.example/</link></channel>
    <item rdf:about="https://blog.example/1"><title>Uno</title><link>https://blog.example/1</link></item></rdf:RDF>"""
    feed = parse(rdf)
    assert feed.title == "RDF" and [e.url for e in feed.entries] == ["https://blog.example/1"]


def test_rss_0_91_with_its_netscape_doctype() -> None:
    old = (
        '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>Old</title>'
        "<link>https://blog.example/</link><item><title>Classic</title><link>https://blog.example/c</link></item></channel></rss>"
    )
    assert [e.title for e in parse(old).entries] == ["Classic"]


def test_an_empty_feed_is_valid() -> None:
    feed = parse(rss("", title="Quiet"))
    assert feed.title == "Quiet" and feed.entries == () and feed.warnings == ()


@pytest.mark.parametrize("body", [b"", b"   \n  "])
def test_an_empty_body_is_refused(body: bytes) -> None:
    with pytest.raises(FeedError, match="empty"):
        parse(body)


def test_invalid_dates_keep_the_entry() -> None:
    feed = parse(
        rss(
            "<item><title>When?</title><link>https://blog.example/w</link><pubDate>the 32nd of Smarch</pubDate></item>"
        )
    )
    [entry] = feed.entries
    assert entry.published is None and entry.title == "When?"
    assert any("unreadable date" in w for w in feed.warnings)


def test_guid_falls_back_to_link_then_to_a_hash() -> None:
    feed = parse(
        rss(
            "<item><title>A</title><link>https://blog.example/a</link></item>"
            "<item><title>B</title><description>b</description></item>"
            "<item><title>B</title><description>b</description></item>"
        )
    )
    a, b1, b2 = feed.entries
    assert a.guid == "https://blog.example/a"
    assert b1.guid == b2.guid and b1.guid.startswith("sha256:") and b1.url is None


def test_non_http_links_are_dropped() -> None:
    feed = parse(rss("<item><title>x</title><link>javascript:alert(1)</link></item>"))
    assert feed.entries[0].url is None


def test_max_entries_is_respected_with_a_warning() -> None:
    items = "".join(
        f"<item><title>{i}</title><link>https://blog.example/{i}</link></item>" for i in range(30)
    )
    feed = parse(rss(items), max_entries=10)
    assert len(feed.entries) == 10 and any("30 entries" in w for w in feed.warnings)


def test_malformed_xml_with_recoverable_entries_is_kept_with_a_warning() -> None:
    broken = rss(
        "<item><title>Fish & Chips</title><link>https://blog.example/f</link></item>"
    )  # bare &
    feed = parse(broken)
    assert [e.title for e in feed.entries] == ["Fish & Chips"]
    assert feed.warnings and "not well-formed" in feed.warnings[0]


def test_a_truncated_feed_keeps_what_arrived() -> None:
    full = rss(
        "<item><title>Kept</title><link>https://blog.example/k</link></item><item><title>Lost</title>"
    )
    feed = parse(full[: full.index("<item><title>Lost")] + "<item><title>Lo")
    assert "Kept" in [e.title for e in feed.entries] and feed.warnings


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"this is not a feed at all", "not a feed"),
        (b"<?xml version='1.0'?><catalog><book>Dune</book></catalog>", "not RSS or Atom"),
        (b"\x00\x01\x02\x89PNG\r\n", "not a feed"),
    ],
)
def test_garbage_is_refused_with_a_reason(body: bytes, words: str) -> None:
    with pytest.raises(FeedError, match=words) as caught:
        parse(body)
    assert URL in str(caught.value)


def test_an_html_page_points_to_its_feeds() -> None:
    page = b"""<!DOCTYPE html><html><head><title>Blog</title>
    <link rel="alternate" type="application/rss+xml" title="Comments" href="/comments/feed/">
    <link rel="alternate" type="application/atom+xml" href="https://blog.example/atom.xml">
    <link rel="alternate" type="application/rss+xml" href="/feed/"></head><body><p>Hello</p></body></html>"""
    with pytest.raises(NotAFeed) as caught:
        parse(page, content_type="text/html; charset=utf-8")
    error = caught.value
    assert error.alternates == (
        "https://blog.example/atom.xml",
        "https://blog.example/feed/",
        "https://blog.example/comments/feed/",
    )
    assert error.suggestion == "https://blog.example/atom.xml"
    assert "is an HTML page, not a feed" in str(error) and "https://blog.example/atom.xml" in str(
        error
    )


def test_an_html_page_without_feeds_says_so() -> None:
    with pytest.raises(NotAFeed, match="does not advertise a feed") as caught:
        parse(b"<html><body><h1>Welcome</h1></body></html>")
    assert caught.value.alternates == () and caught.value.suggestion is None


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title></item></channel></rss>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
def test_entity_declarations_are_refused(document: str, encoding: str) -> None:
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(document.encode(encoding))


def test_a_body_that_is_a_file_path_is_not_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text(rss("<item><title>SECRET</title></item>"))
    with pytest.raises(FeedError):
        parse(str(secret).encode())


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        # windows-1252 curly quotes, declared in the XML declaration
        (
            b'<?xml version="1.0" encoding="windows-1252"?>'
            + rss("<item><title>\u201cQuoted\u201d caf\u00e9</title></item>", head="").encode(
                "cp1252"
            ),
            None,
        ),
        # ISO-8859-1 declared only by the HTTP header
        (
            rss(
                "<item><title>\u201cQuoted\u201d caf\u00e9</title></item>".replace(
                    "\u201c", ""
                ).replace("\u201d", ""),
                head="",
            ).encode("latin-1"),
            "text/xml; charset=ISO-8859-1",
        ),
        # UTF-16 with a BOM
        (
            rss(
                "<item><title>\u201cQuoted\u201d caf\u00e9</title></item>",
                head='<?xml version="1.0" encoding="utf-16"?>',
            ).encode("utf-16"),
            None,
        ),
        # UTF-8 with a BOM and a blank line before the declaration
        (
            b"\xef\xbb\xbf\n\n"
            + rss("<item><title>\u201cQuoted\u201d caf\u00e9</title></item>").encode(),
            None,
        ),
        # Shift_JIS
        (
            b'<?xml version="1.0" encoding="shift_jis"?>'
            + rss(
                "<item><title>\u201cQuoted\u201d caf\u00e9 \u65e5\u672c</title></item>".replace(
                    "\u00e9", "e"
                ),
                head="",
            ).encode("shift_jis"),
            None,
        ),
        # UTF-8 served as text/html without a charset
        (rss("<item><title>\u201cQuoted\u201d caf\u00e9</title></item>").encode(), "text/html"),
    ],
)
def test_odd_encodings_are_decoded(raw: bytes, content_type: str | None) -> None:
    feed = parse(raw, content_type=content_type)
    [entry] = feed.entries
    assert "Quoted" in entry.title and ("caf\u00e9" in entry.title or "cafe" in entry.title)
    assert "\ufffd" not in entry.title


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON blog",
        "home_page_url": "https://blog.example/",
        "authors": [{"name": "Ann"}],
        "items": [
            {
                "id": 1,
                "url": "/p/1",
                "title": "Numeric id",
                "content_text": "Line one.\n\nLine <two>.",
                "date_published": "2025-01-05T20:40:00-05:00",
            },
            {
                "id": "b",
                "external_url": "https://elsewhere.example/x",
                "summary": "S & s",
                "content_html": "<p>x</p>",
                "date_modified": "yesterday",
            },
            "not an object",
        ],
    }
    feed = parse(json.dumps(doc), content_type="application/feed+json")
    first, second = feed.entries
    assert feed.title == "JSON blog" and feed.site_url == "https://blog.example/"
    assert first.guid == "1" and first.url == "https://blog.example/p/1" and first.author == "Ann"
    assert first.content_html == "<p>Line one.</p><p>Line &lt;two&gt;.</p>"
    assert first.published == datetime(2025, 1, 6, 1, 40, tzinfo=UTC)
    assert second.url == "https://elsewhere.example/x" and second.published is None
    assert second.summary_html == "S &amp; s"
    assert any("not JSON objects" in w for w in feed.warnings)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"title": "no version", "items": []}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": ', "not valid JSON"),
        (b'{"version": "https://jsonfeed.org/version/1"}', "without an items list"),
        (b"[" * 100_000 + b"]" * 100_000, "not"),
    ],
)
def test_bad_json_feeds_are_refused(body: bytes, words: str) -> None:
    with pytest.raises(FeedError, match=words):
        parse(body, content_type="application/json")
