"""The shared half of the night through the real fetch path: feeds served on 127.0.0.1.

Each hostile or broken source is marked with a clear error and leaves every other source and
all stored data intact; a rerun duplicates nothing; a story develops across days."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from support import SHARED_DATA, needs_shared_data
from werkzeug import Response

from aube.clock import fixed_clock
from aube.config import load_settings
from aube.pipeline.shared import fetch, process, run_shared
from aube.store import Store

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def rss(
    items: list[tuple[str, str, str, datetime]],
    title: str = "Test feed",
    site: str = "https://a.example/",
) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{d}</description><pubDate>{format_datetime(when)}</pubDate></item>"
        for t, link, d, when in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>{site}</link>{body}</channel></rss>"
    ).encode()


FED_A = (
    "Fed cuts interest rates by a quarter point",
    "https://a.example/fed-cut",
    (
        "The Federal Reserve lowered its benchmark interest rate by 0.25 percentage point on "
        "Wednesday, the first cut this year, citing a cooling labour market."
    ),
    NOW - timedelta(hours=20),
)
FED_B = (
    "Federal Reserve lowers rates for first time this year",
    "https://b.example/fed",
    (
        "The Federal Reserve cut its benchmark interest rate by a quarter point on Wednesday "
        "as officials grew worried about the labour market."
    ),
    NOW - timedelta(hours=18),
)
SPORT = (
    "Local club wins the regional rowing championship",
    "https://a.example/rowing",
    "The rowing club took the regional title on Saturday after a close final on the river.",
    NOW - timedelta(hours=10),
)


@pytest.fixture
def server() -> HTTPServer:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def local_settings(tmp_path: Path):
    return load_settings(
        data_dir=tmp_path / "data",
        fetch_allow_networks=["127.0.0.0/8"],
        fetch_timeout=2.0,
        fetch_retries=1,
        fetch_backoff=0.0,
        fetch_max_bytes=200_000,
        embed_backend="hashing",
    )


def test_broken_sources_are_marked_and_harm_nothing(server: HTTPServer, local_settings) -> None:
    store = Store.open(local_settings)
    clock = fixed_clock(NOW)
    server.expect_request("/good.xml").respond_with_data(
        rss([FED_A, SPORT]), content_type="application/rss+xml"
    )
    server.expect_request("/other.xml").respond_with_data(
        rss([FED_B], "Other", "https://b.example/"), content_type="application/rss+xml"
    )
    for name in ("good.xml", "other.xml"):
        store.add_source(server.url_for(f"/{name}"), now=NOW)
    report = fetch(store, local_settings, clock=clock)
    assert report.ok == 2 and report.new == 3
    process(store, local_settings, clock=clock)
    items_before, stories_before = store.count_items(), store.count_stories()

    hostile = {
        "/404.xml": Response("gone", status=404),
        "/500.xml": Response("boom", status=500),
        "/page.html": Response(
            "<html><head><title>Hi</title></head><body>not a feed</body></html>",
            content_type="text/html",
        ),
        "/broken.xml": Response(
            "<rss><channel><title>x</title><item><title>", content_type="application/rss+xml"
        ),
        "/bomb.xml": Response(
            gzip.compress(b"<rss>" + b" " * 5_000_000 + b"</rss>"),
            headers={"Content-Encoding": "gzip"},
            content_type="application/rss+xml",
        ),
        "/entities.xml": Response(
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;">]><rss><channel><title>&b;</title>'
            "</channel></rss>",
            content_type="application/rss+xml",
        ),
        "/loop.xml": Response("", status=302, headers={"Location": "/loop.xml"}),
    }
    for path, response in hostile.items():
        server.expect_request(path).respond_with_response(response)
        store.add_source(server.url_for(path), now=NOW)
    server.expect_request("/empty.xml").respond_with_data(
        rss([]), content_type="application/rss+xml"
    )
    store.add_source(server.url_for("/empty.xml"), now=NOW)

    again = fetch(store, local_settings, clock=clock)
    assert again.failed == len(hostile), [s.url for s in store.list_sources() if not s.last_error]
    by_url = {s.url.rsplit("/", 1)[-1]: s for s in store.list_sources()}
    for name in (
        "404.xml",
        "500.xml",
        "page.html",
        "broken.xml",
        "bomb.xml",
        "entities.xml",
        "loop.xml",
    ):
        source = by_url[name]
        assert source.last_error, f"{name} should be marked with an error"
        assert source.error_count == 1
    assert "404" in by_url["404.xml"].last_error
    assert "500" in by_url["500.xml"].last_error
    assert "HTML" in by_url["page.html"].last_error or "html" in by_url["page.html"].last_error
    assert "redirect" in by_url["loop.xml"].last_error.lower()
    assert by_url["empty.xml"].last_error is None and by_url["good.xml"].last_error is None
    # Nothing already stored was lost or changed; the healthy sources are still fine.
    process(store, local_settings, clock=clock)
    assert (store.count_items(), store.count_stories()) == (items_before, stories_before)


def test_rerun_duplicates_nothing_and_a_story_develops(server: HTTPServer, local_settings) -> None:
    local_settings = local_settings.model_copy(
        update={"embed_backend": "minilm"}
    )  # meaning matters
    store = Store.open(local_settings)
    server.expect_request("/a.xml").respond_with_data(
        rss([FED_A, SPORT]), content_type="application/rss+xml"
    )
    store.add_source(server.url_for("/a.xml"), now=NOW, title="A")
    day1 = fixed_clock(NOW)
    run_shared(store, local_settings, clock=day1)
    run_shared(store, local_settings, clock=day1)  # the same night again: nothing new
    assert store.count_items() == 2
    stories = store.list_stories(since=NOW - timedelta(days=2))
    assert len(stories) == 2
    fed = next(s for s in stories if "Fed" in s.headline)
    assert fed.version == 1 and fed.summary

    # The next day another publisher reports the same event: the story develops.
    server.clear()
    server.expect_request("/a.xml").respond_with_data(
        rss([FED_A, SPORT]), content_type="application/rss+xml"
    )
    server.expect_request("/b.xml").respond_with_data(
        rss([FED_B], "B", "https://b.example/"), content_type="application/rss+xml"
    )
    store.add_source(server.url_for("/b.xml"), now=NOW, title="B")
    day2 = fixed_clock(NOW + timedelta(hours=2))
    result = run_shared(store, local_settings, clock=day2)
    assert result.stories.grown_stories == 1 and result.stories.new_stories == 0
    developed = store.get_story(fed.id)
    assert developed.version == 2 and developed.publisher_count == 2
    assert [i.title for i in store.new_in_story_since(fed.id, NOW)] == [FED_B[0]]
    # Its summary was redone for the new version; the unchanged story kept its own.
    assert result.summaries.summarized == 1
    runs = store.list_runs()
    assert {r.job for r in runs} == {"ingest", "stories"} and all(r.status == "ok" for r in runs)


@needs_shared_data
def test_real_snapshots_through_the_fetch_path(server: HTTPServer, local_settings) -> None:
    snapshots = SHARED_DATA / "rss_archive_orx365" / "raw_snapshots"
    files = sorted(snapshots.glob("2026-01_*.xml"))
    for f in files:
        server.expect_request(f"/{f.name}").respond_with_data(
            f.read_bytes(), content_type="application/rss+xml"
        )
    settings = local_settings.model_copy(
        update={"ingest_max_age_days": 3650, "embed_backend": "minilm"}
    )
    store = Store.open(settings)
    for f in files:
        store.add_source(server.url_for(f"/{f.name}"), now=NOW, full_text="never")
    result = run_shared(store, settings, clock=fixed_clock(NOW))
    assert result.ingest is not None and result.ingest.failed == 0 and result.ingest.new > 100
    stories = store.list_stories(limit=1000)
    assert stories and all(s.headline and s.items for s in stories)
    # Cross-publisher stories exist in a month of real news.
    assert any(s.publisher_count >= 2 for s in stories)


ARTICLE = """<html><head><title>Fed cuts rates</title></head><body><nav>Home | World | Markets</nav>
<article><h1>Fed cuts interest rates by a quarter point</h1>
<p>The Federal Reserve lowered its benchmark interest rate by 0.25 percentage point on Wednesday,
its first cut this year, as officials grew more worried about a cooling labour market.</p>
<p>The decision, approved by a vote of 11 to 1, brings the federal funds rate to a range of 4 to
4.25 percent. Officials signalled that two more reductions could follow before the end of the year.</p>
<p>Markets had largely expected the move. Stocks rose modestly after the announcement, while yields
on two-year Treasury notes slipped.</p></article><footer>Subscribe to our newsletter</footer></body></html>"""


def test_teasers_are_replaced_by_the_article(server: HTTPServer, local_settings) -> None:
    teaser = (
        "Fed cuts interest rates by a quarter point",
        server.url_for("/article"),
        "The Fed cut rates.",
        NOW - timedelta(hours=3),
    )
    server.expect_request("/teaser.xml").respond_with_data(
        rss([teaser]), content_type="application/rss+xml"
    )
    server.expect_request("/article").respond_with_data(ARTICLE, content_type="text/html")
    store = Store.open(local_settings)
    store.add_source(server.url_for("/teaser.xml"), now=NOW, full_text="auto")
    report = fetch(store, local_settings, clock=fixed_clock(NOW))
    assert report.articles == 1
    item = store.get_items(report.new_item_ids)[0]
    assert "4 to\n4.25 percent" in item.text or "4.25 percent" in item.text
    assert "Subscribe" not in item.text and "<script" not in item.html


class Crash(Exception):
    pass


def test_a_crash_mid_night_is_harmless(server: HTTPServer, local_settings, tmp_path: Path) -> None:
    """The night dies while clustering its second day of items; the rerun finishes without
    duplicates and ends exactly where an uninterrupted night ends."""
    days = [
        (
            f"Story number {i} about topic {i}",
            f"https://a.example/{i}",
            f"Details of item {i}.",
            NOW - timedelta(days=3 - i % 3, hours=i),
        )
        for i in range(9)
    ]
    server.expect_request("/a.xml").respond_with_data(rss(days), content_type="application/rss+xml")

    def night(store: Store, clock) -> None:  # type: ignore[no-untyped-def]
        store.add_source(server.url_for("/a.xml"), now=NOW)
        fetch(store, local_settings, clock=fixed_clock(NOW))
        process(store, local_settings, clock=clock)

    calls = {"n": 0}

    def dying_clock() -> datetime:  # the clock is asked once per day's batch, among others
        calls["n"] += 1
        if calls["n"] == 4:
            raise Crash("power cut")
        return NOW

    crashed = Store.open(local_settings)
    with pytest.raises(Crash):
        night(crashed, dying_clock)
    assert crashed.list_runs(job="stories")[0].status == "failed"
    partly = sum(s.item_count for s in crashed.list_stories(limit=100))
    assert 0 < partly < 9  # some days were clustered, some not
    process(crashed, local_settings, clock=fixed_clock(NOW))  # the rerun
    process(crashed, local_settings, clock=fixed_clock(NOW))  # and again: nothing to do
    assert crashed.list_runs(job="stories")[0].status == "ok"

    clean = Store.open(
        load_settings(**{**local_settings.model_dump(), "data_dir": tmp_path / "clean"})
    )
    night(clean, fixed_clock(NOW))
    shape = lambda st: sorted(sorted(i.title for i in s.items) for s in st.list_stories(limit=100))
    assert crashed.count_items() == clean.count_items() == 9
    assert shape(crashed) == shape(clean)
