"""parse_feed on real published feeds from ../shared/data (read only), also served over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from aube.config import Settings
from aube.errors import FeedError
from aube.ingest.feeds import NotAFeed, ParsedFeed, parse_feed
from aube.ingest.http import Fetcher

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SAMPLES = DATA / "feeds_feedjira_samples"
SNAPSHOTS = DATA / "rss_archive_orx365" / "raw_snapshots"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not DATA.is_dir(), reason=f"{DATA} is absent (the real data sets live there)"
    ),
]


def _files(folder: Path, *patterns: str) -> list[Path]:
    return (
        sorted(p for pattern in patterns for p in folder.glob(pattern)) if folder.is_dir() else []
    )


SAMPLE_FILES = _files(SAMPLES, "*.xml", "*.json")
SNAPSHOT_FILES = _files(SNAPSHOTS, "*.xml")


def parse_sample(name: str) -> ParsedFeed:
    return parse_feed(
        (SAMPLES / name).read_bytes(),
        url=f"https://samples.example/{name}",
        content_type=None,
        max_entries=500,
    )


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_parses_or_fails_clearly(path: Path) -> None:
    url = f"https://samples.example/{path.name}"
    try:
        feed = parse_feed(path.read_bytes(), url=url, content_type=None, max_entries=500)
    except FeedError as exc:
        assert url in str(exc)
        return
    assert feed.entries
    for entry in feed.entries:
        assert entry.guid
        assert entry.url is None or entry.url.startswith(("http://", "https://"))
        assert entry.published is None or entry.published.tzinfo is not None


def test_the_samples_mostly_parse() -> None:
    failures = []
    for path in SAMPLE_FILES:
        try:
            parse_sample(path.name)
        except FeedError:
            failures.append(path.name)
    # The feedjira "...FirstEntry..." files are single-entry HTML fragments, not feeds.
    assert all("FirstEntry" in name for name in failures), failures
    assert len(SAMPLE_FILES) - len(failures) >= 35


def test_an_html_fragment_sample_is_called_html() -> None:
    with pytest.raises(NotAFeed, match="is HTML, not a feed"):
        parse_sample("TechCrunchFirstEntry.xml")


def test_json_feed_sample() -> None:
    feed = parse_sample("json_feed.json")
    assert feed.title == "inessential.com" and feed.site_url == "http://inessential.com/"
    first = feed.entries[0]
    assert first.title == "James Dempsey and the Breakpoints Benefit App Camp for Girls"
    assert first.url == "http://inessential.com/2017/06/02/james_dempsey_and_the_breakpoints_benefi"
    assert first.published == datetime(2017, 6, 3, 5, 5, 47, tzinfo=UTC)  # -07:00 to UTC
    assert first.author == "Brent Simmons"  # the feed-level author (JSON Feed 1.0)
    assert "App Camp for Girls" in first.content_html


def test_json_feed_with_escaped_uris_sample() -> None:
    feed = parse_sample("json_feed_with_escaped_uris.json")
    first = feed.entries[0]
    assert first.url == "https://lukedorny.com/updates/new-font" and first.title == "New Font"
    assert first.author == "Author: Luke, most likely."
    assert first.published == datetime(2025, 1, 6, 1, 40, tzinfo=UTC)


def test_youtube_atom_sample() -> None:
    feed = parse_sample("youtube_atom.xml")
    assert feed.title == "Google" and len(feed.entries) == 15
    first = feed.entries[0]
    assert first.url == "http://www.youtube.com/watch?v=5shykyfmb28"
    assert first.guid.startswith("yt:video:")
    assert first.published == datetime(2015, 5, 4, 0, 1, 27, tzinfo=UTC)


def test_invalid_date_format_sample() -> None:
    # The file also lacks its closing </rss>: the two items are recovered with a warning.
    feed = parse_sample("InvalidDateFormat.xml")
    assert [e.url for e in feed.entries] == ["http://example.com/item0", "http://example.com/item1"]
    assert feed.entries[0].published == datetime(2017, 10, 16, 15, 10, tzinfo=UTC)
    assert feed.warnings


def test_a_leading_newline_before_the_xml_declaration_is_tolerated() -> None:
    assert (SAMPLES / "TechCrunch.xml").read_bytes()[:1] in (b"\n", b" ")
    feed = parse_sample("TechCrunch.xml")
    assert len(feed.entries) == 20 and feed.warnings == ()


def test_non_ascii_sample_text_survives() -> None:
    feed = parse_sample("CRE.xml")  # a German podcast
    assert feed.title.startswith("CRE: Technik, Kultur, Gesellschaft")
    assert any(ch in "äöüß" for e in feed.entries for ch in e.title + e.summary_html)


def test_a_feed_wrapped_in_an_html_page_is_read_with_a_warning() -> None:
    feed = parse_sample("DuplicateContentAtomFeed.xml")
    assert len(feed.entries) == 10 and any("inside an HTML page" in w for w in feed.warnings)


@pytest.mark.parametrize("path", SNAPSHOT_FILES, ids=lambda p: p.name)
def test_real_news_snapshots_parse(path: Path) -> None:
    feed = parse_feed(
        path.read_bytes(),
        url="https://archive.example/" + path.name,
        content_type="application/rss+xml",
        max_entries=500,
    )
    assert feed.title and feed.warnings == ()
    for entry in feed.entries:
        assert entry.title.strip()
        assert entry.url and entry.url.startswith("https://")
        assert entry.published is not None


def test_the_snapshots_carry_thousands_of_entries() -> None:
    total = sum(
        len(
            parse_feed(
                p.read_bytes(), url="https://archive.example/", content_type=None, max_entries=500
            ).entries
        )
        for p in SNAPSHOT_FILES
    )
    assert len(SNAPSHOT_FILES) == 56 and total > 1000


def test_samples_through_the_fetcher(
    server: HTTPServer, fetch_settings: Callable[..., Settings]
) -> None:
    for path in SAMPLE_FILES:
        kind = "application/feed+json" if path.suffix == ".json" else "application/xml"
        server.expect_request(f"/{path.name}").respond_with_data(
            path.read_bytes(), content_type=kind
        )

    async def fetch_all() -> dict[str, ParsedFeed | FeedError]:
        outcome: dict[str, ParsedFeed | FeedError] = {}
        async with Fetcher(fetch_settings(fetch_max_bytes=5_000_000)) as fetcher:
            results = await asyncio.gather(
                *(fetcher.fetch(server.url_for(f"/{p.name}")) for p in SAMPLE_FILES)
            )
        for path, result in zip(SAMPLE_FILES, results, strict=True):
            try:
                outcome[path.name] = parse_feed(
                    result.content,
                    url=result.url,
                    content_type=result.content_type,
                    max_entries=500,
                )
            except FeedError as exc:
                outcome[path.name] = exc
        return outcome

    outcome = asyncio.run(fetch_all())
    for path in SAMPLE_FILES:
        direct: ParsedFeed | FeedError
        try:
            direct = parse_sample(path.name)
        except FeedError as exc:
            direct = exc
        served = outcome[path.name]
        assert type(served) is type(direct), path.name
        if isinstance(served, ParsedFeed) and isinstance(direct, ParsedFeed):
            assert [e.title for e in served.entries] == [e.title for e in direct.entries]
