"""OPML in and out, hostile OPML, and the default subscriptions shipped with Aube."""

from __future__ import annotations

from importlib import resources

import pytest

from aube.errors import InvalidInput
from aube.ingest.opml import OpmlFeed, parse_opml, write_opml

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>export</title></head><body>
  <outline text="News">
    <outline text="World"><outline type="rss" text="BBC" XMLURL="https://feeds.bbci.co.uk/news/world/rss.xml"/></outline>
    <outline title="NPR" text="npr" xmlurl="feed://feeds.npr.org/1001/rss.xml"/>
  </outline>
  <outline text="Loose" xmlUrl="https://example.com/rss" category="/Tech/Linux,/Other"/>
  <outline text="Dup" xmlUrl="https://example.com/rss"/>
  <outline text="Local file" xmlUrl="file:///etc/passwd"/>
  <outline text="Empty folder"/>
</body></opml>"""


def test_nested_outlines_any_case_and_categories() -> None:
    assert parse_opml(NESTED) == [
        OpmlFeed("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC", "News/World"),
        OpmlFeed("http://feeds.npr.org/1001/rss.xml", "NPR", "News"),
        OpmlFeed("https://example.com/rss", "Loose", "Tech/Linux"),
    ]


def test_round_trip() -> None:
    feeds = [
        OpmlFeed("https://a.example/rss", "A & B <news>", "News/World"),
        OpmlFeed("https://b.example/atom.xml", "Caf\u00e9", "News"),
        OpmlFeed("https://c.example/feed.json", "No folder", None),
    ]
    written = write_opml(feeds)
    assert written.startswith(b"<?xml") and b"<opml" in written
    assert parse_opml(written) == feeds


@pytest.mark.parametrize(
    "document",
    [
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><opml version="2.0"><head><title>&c;</title></head><body/></opml>'
        ),
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml><body><outline text="&x;" xmlUrl="https://a.example/"/></body></opml>',
        b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://evil.example/opml.dtd"><opml><body/></opml>',
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE o [<!ENTITY a "b">]><opml><body/></opml>'.encode(
            "utf-16"
        ),
    ],
)
def test_doctypes_and_entities_are_refused(document: bytes) -> None:
    with pytest.raises(InvalidInput, match="DOCTYPE"):
        parse_opml(document)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (b"", "empty"),
        (b"<opml><body><outline text='a'></body></opml>", "line 1"),
        (b"<?xml version='1.0'?>\n<opml>\n<body>\n<outline text=a/>\n</body></opml>", "line 4"),
        (b"<rss version='2.0'/>", "not OPML"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
    ],
)
def test_broken_opml_is_refused_with_a_reason(document: bytes, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        parse_opml(document)


def test_the_default_feeds() -> None:
    data = resources.files("aube.ingest").joinpath("default_feeds.opml").read_bytes()
    feeds = parse_opml(data)
    assert len(feeds) >= 15
    assert all(f.url.startswith(("http://", "https://")) and f.title and f.category for f in feeds)
    assert len({f.url for f in feeds}) == len(feeds)
    assert {"World", "Technology", "Science"} <= {f.category for f in feeds}
