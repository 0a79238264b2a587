"""The fetcher against a real HTTP server on 127.0.0.1 answering in hostile ways."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, Sequence

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aube.config import Settings
from aube.errors import (
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HTTPStatus,
    TooLarge,
    TooManyRedirects,
)
from aube.ingest.feeds import NotAFeed, parse_feed
from aube.ingest.http import Fetcher, FetchResult

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local</title>'
    b"<link>http://127.0.0.1/</link><item><title>One</title><link>http://127.0.0.1/1</link>"
    b"</item></channel></rss>"
)

SettingsMaker = Callable[..., Settings]


def fetch(
    settings: Settings,
    url: str,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    resolver: Callable[[str, int], Awaitable[Sequence[str]]] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings, sleep=sleep, resolver=resolver) as fetcher:
            return await fetcher.fetch(url, etag=etag, last_modified=last_modified)

    return asyncio.run(go())


def test_fetches_a_feed_with_its_validators(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        headers = {"ETag": '"v1"', "Last-Modified": "Sat, 28 Nov 2026 05:00:00 GMT"}
        return Response(FEED, content_type="application/rss+xml; charset=utf-8", headers=headers)

    server.expect_request("/feed").respond_with_handler(handler)
    result = fetch(fetch_settings(), server.url_for("/feed"))
    assert result.status == 200 and result.content == FEED and not result.not_modified
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.etag == '"v1"' and result.last_modified == "Sat, 28 Nov 2026 05:00:00 GMT"
    assert result.headers["etag"] == '"v1"'
    assert seen[0].headers["User-Agent"].startswith("Aube/")
    assert "application/rss+xml" in seen[0].headers["Accept"]


def test_conditional_get_gives_not_modified(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)  # no validators repeated, as many servers do
        return Response(FEED, headers={"ETag": '"v1"'})

    server.expect_request("/feed").respond_with_handler(handler)
    result = fetch(
        fetch_settings(),
        server.url_for("/feed"),
        etag='"v1"',
        last_modified="Sat, 28 Nov 2026 05:00:00 GMT",
    )
    assert result.not_modified and result.status == 304 and result.content == b""
    assert result.etag == '"v1"' and result.last_modified == "Sat, 28 Nov 2026 05:00:00 GMT"


def test_404_is_not_retried(server: HTTPServer, fetch_settings: SettingsMaker, fake_sleep) -> None:
    server.expect_request("/gone").respond_with_data("no", status=404)
    url = server.url_for("/gone")
    with pytest.raises(HTTPStatus) as caught:
        fetch(fetch_settings(), url, sleep=fake_sleep)
    assert caught.value.status == 404 and caught.value.url == url
    assert url in str(caught.value) and "404" in str(caught.value)
    assert len(server.log) == 1 and fake_sleep.delays == []


def test_500_then_success_is_retried_with_backoff(
    server: HTTPServer, fetch_settings: SettingsMaker, fake_sleep
) -> None:
    server.expect_ordered_request("/flaky").respond_with_data("down", status=500)
    server.expect_ordered_request("/flaky").respond_with_data("down", status=502)
    server.expect_ordered_request("/flaky").respond_with_data(FEED)
    result = fetch(
        fetch_settings(fetch_retries=2, fetch_backoff=0.5),
        server.url_for("/flaky"),
        sleep=fake_sleep,
    )
    assert result.content == FEED
    assert fake_sleep.delays == [0.5, 1.0]  # doubled each time


def test_persistent_503_gives_up_after_the_retries(
    server: HTTPServer, fetch_settings: SettingsMaker, fake_sleep
) -> None:
    server.expect_request("/down").respond_with_data("busy", status=503)
    with pytest.raises(HTTPStatus) as caught:
        fetch(fetch_settings(fetch_retries=2), server.url_for("/down"), sleep=fake_sleep)
    assert caught.value.status == 503 and "3 attempts" in str(caught.value)
    assert len(server.log) == 3


def test_429_honours_retry_after_within_reason(
    server: HTTPServer, fetch_settings: SettingsMaker, fake_sleep
) -> None:
    server.expect_ordered_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    server.expect_ordered_request("/busy").respond_with_data(FEED)
    fetch(fetch_settings(), server.url_for("/busy"), sleep=fake_sleep)
    assert fake_sleep.delays == [7.0]


def test_an_unreasonable_retry_after_is_not_waited_for(
    server: HTTPServer, fetch_settings: SettingsMaker, fake_sleep
) -> None:
    server.expect_request("/later").respond_with_data(
        "tomorrow", status=503, headers={"Retry-After": "86400"}
    )
    with pytest.raises(HTTPStatus, match="retry after 86400"):
        fetch(fetch_settings(), server.url_for("/later"), sleep=fake_sleep)
    assert fake_sleep.delays == [] and len(server.log) == 1


def test_a_slow_server_times_out(server: HTTPServer, fetch_settings: SettingsMaker) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response(FEED)

    server.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="within 0.3 s"):
        fetch(fetch_settings(fetch_timeout=0.3, fetch_retries=0), server.url_for("/slow"))
    assert time.monotonic() - started < 1.4


def test_a_trickling_server_is_bounded_by_the_timeout(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    # Each byte arrives well within a per-read timeout; only a deadline on the whole exchange stops it.
    def trickle() -> Iterator[bytes]:
        for _ in range(60):
            yield b"<"
            time.sleep(0.05)

    server.expect_request("/trickle").respond_with_handler(lambda request: Response(trickle()))
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(fetch_settings(fetch_timeout=0.5, fetch_retries=0), server.url_for("/trickle"))
    assert time.monotonic() - started < 2.0


def test_redirects_are_followed_to_the_final_url(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/middle"})
    server.expect_request("/middle").respond_with_data(
        "", status=302, headers={"Location": server.url_for("/new")}
    )
    server.expect_request("/new").respond_with_data(FEED)
    result = fetch(fetch_settings(), server.url_for("/old"))
    assert result.url == server.url_for("/new") and result.content == FEED


def test_a_redirect_loop_is_detected(server: HTTPServer, fetch_settings: SettingsMaker) -> None:
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects, match="loop"):
        fetch(fetch_settings(fetch_max_redirects=10), server.url_for("/a"))


def test_too_many_redirects(server: HTTPServer, fetch_settings: SettingsMaker) -> None:
    for hop in range(10):
        server.expect_request(f"/r{hop}").respond_with_data(
            "", status=307, headers={"Location": f"/r{hop + 1}"}
        )
    with pytest.raises(TooManyRedirects, match="more than 3 redirects"):
        fetch(fetch_settings(fetch_max_redirects=3), server.url_for("/r0"))
    assert len(server.log) == 4


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.1.2.3/feed",
        "http://167772161/feed",  # 10.0.0.1 written as one decimal number
        "http://[::1]:{port}/feed",  # loopback, but only 127.0.0.0/8 is allowed
        "http://[::ffff:192.168.1.1]/",
        "http://[fd00::1]/",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    server: HTTPServer, fetch_settings: SettingsMaker, target: str
) -> None:
    location = target.format(port=server.port)
    server.expect_request("/go").respond_with_data("", status=302, headers={"Location": location})
    with pytest.raises(BlockedAddress) as caught:
        fetch(fetch_settings(), server.url_for("/go"))
    assert "redirected from" in str(caught.value) and location in str(caught.value)


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "ftp://example.com/feed", "gopher://127.0.0.1:70/"]
)
def test_a_redirect_to_another_scheme_is_refused(
    server: HTTPServer, fetch_settings: SettingsMaker, target: str
) -> None:
    server.expect_request("/go").respond_with_data("", status=301, headers={"Location": target})
    with pytest.raises(FetchError, match="only http and https"):
        fetch(fetch_settings(), server.url_for("/go"))


def _resolver(table: dict[str, Sequence[str]]):
    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


def test_names_are_checked_at_connect_time_and_keep_their_host_header(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    hosts: list[str] = []

    def handler(request: Request) -> Response:
        hosts.append(request.headers["Host"])
        return Response(FEED)

    server.expect_request("/feed").respond_with_handler(handler)
    resolver = _resolver({"feeds.test": ["127.0.0.1"]})
    result = fetch(fetch_settings(), f"http://feeds.test:{server.port}/feed", resolver=resolver)
    assert result.content == FEED and hosts == [f"feeds.test:{server.port}"]


@pytest.mark.parametrize("answers", [["10.0.0.5"], ["127.0.0.1", "10.0.0.5"], ["169.254.169.254"]])
def test_a_name_resolving_to_a_private_address_is_refused(
    server: HTTPServer, fetch_settings: SettingsMaker, answers: list[str]
) -> None:
    server.expect_request("/feed").respond_with_data(FEED)
    resolver = _resolver({"evil.test": answers})
    with pytest.raises(BlockedAddress, match="evil.test resolves to"):
        fetch(fetch_settings(), f"http://evil.test:{server.port}/feed", resolver=resolver)
    assert len(server.log) == 0


def test_loopback_is_refused_without_the_allow_list(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    server.expect_request("/feed").respond_with_data(FEED)
    with pytest.raises(BlockedAddress, match="loopback"):
        fetch(fetch_settings(fetch_allow_networks=[]), server.url_for("/feed"))
    assert len(server.log) == 0


def test_an_unknown_name_is_a_connection_failure(fetch_settings: SettingsMaker, fake_sleep) -> None:
    with pytest.raises(ConnectionFailed, match="cannot resolve nowhere.test"):
        fetch(
            fetch_settings(fetch_retries=1),
            "http://nowhere.test/feed",
            resolver=_resolver({}),
            sleep=fake_sleep,
        )
    assert fake_sleep.delays == [0.5]


def test_a_refused_connection_is_retried_then_reported(
    fetch_settings: SettingsMaker, fake_sleep
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionFailed, match=f"127.0.0.1:{port}"):
        fetch(fetch_settings(fetch_retries=2), f"http://127.0.0.1:{port}/", sleep=fake_sleep)
    assert fake_sleep.delays == [0.5, 1.0]


def test_a_declared_length_over_the_limit_is_refused_up_front(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    server.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(TooLarge, match="announces 5,000 bytes"):
        fetch(fetch_settings(fetch_max_bytes=1000), server.url_for("/big"))


def test_an_undeclared_length_over_the_limit_stops_while_streaming(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    sent = [0]

    def endless() -> Iterator[bytes]:
        for _ in range(10_000):  # 640 MB if nobody stopped reading
            sent[0] += 1
            yield b"x" * 65536

    server.expect_request("/endless").respond_with_handler(lambda request: Response(endless()))
    with pytest.raises(TooLarge, match="over the limit of 1,000,000 bytes"):
        fetch(fetch_settings(fetch_max_bytes=1_000_000), server.url_for("/endless"))
    assert sent[0] < 1000


def _gzip_bomb(total: int, sent: list[int]) -> Iterator[bytes]:
    """gzip of ``total`` zero bytes, compressed on the fly (never held decompressed)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    for _ in range(total >> 20):
        chunk = compressor.compress(zeros)
        if chunk:
            sent[0] += len(chunk)
            yield chunk
    yield compressor.flush()


def test_a_streamed_gzip_bomb_stops_after_the_limit(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    sent = [0]
    server.expect_request("/bomb").respond_with_handler(
        lambda request: Response(_gzip_bomb(1 << 30, sent), headers={"Content-Encoding": "gzip"})
    )
    started = time.monotonic()
    with pytest.raises(TooLarge, match="after decompression"):
        fetch(fetch_settings(fetch_max_bytes=1_000_000, fetch_timeout=20), server.url_for("/bomb"))
    assert time.monotonic() - started < 10
    assert sent[0] < 1_000_000  # 1 GiB of zeros is ~1 MB of gzip; far less was needed


def test_a_small_gzip_bomb_with_a_content_length_is_refused(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    body = b"".join(_gzip_bomb(64 << 20, [0]))  # 64 MiB of zeros in ~64 KB
    assert len(body) < 1_000_000
    server.expect_request("/bomb").respond_with_data(body, headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLarge, match="after decompression"):
        fetch(fetch_settings(fetch_max_bytes=1_000_000), server.url_for("/bomb"))


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda data: zlib.compress(data, wbits=-15)),  # raw, as many servers send
    ],
)
def test_compressed_bodies_are_decoded(
    server: HTTPServer, fetch_settings: SettingsMaker, encoding: str, encode
) -> None:
    server.expect_request("/feed").respond_with_data(
        encode(FEED), headers={"Content-Encoding": encoding}
    )
    assert fetch(fetch_settings(), server.url_for("/feed")).content == FEED


def test_an_unknown_content_encoding_is_refused(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    server.expect_request("/feed").respond_with_data(
        b"\x1b\x00", headers={"Content-Encoding": "br"}
    )
    with pytest.raises(FetchError, match="'br'"):
        fetch(fetch_settings(), server.url_for("/feed"))


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "application/octet-stream", "text/plain"]
)
def test_a_feed_with_a_wrong_content_type_still_parses(
    server: HTTPServer, fetch_settings: SettingsMaker, content_type: str
) -> None:
    server.expect_request("/feed").respond_with_data(FEED, content_type=content_type)
    result = fetch(fetch_settings(), server.url_for("/feed"))
    parsed = parse_feed(
        result.content, url=result.url, content_type=result.content_type, max_entries=10
    )
    assert [e.title for e in parsed.entries] == ["One"] and parsed.warnings == ()


def test_an_html_page_served_as_a_feed_is_recognised(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    page = b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head><body>Hi</body></html>'
    server.expect_request("/feed").respond_with_data(page, content_type="application/rss+xml")
    result = fetch(fetch_settings(), server.url_for("/feed"))
    with pytest.raises(NotAFeed) as caught:
        parse_feed(result.content, url=result.url, content_type=result.content_type, max_entries=10)
    assert caught.value.alternates == (server.url_for("/rss"),)


def test_concurrency_is_limited_per_host_and_overall(
    server: HTTPServer, fetch_settings: SettingsMaker
) -> None:
    lock = threading.Lock()
    active: dict[str, int] = {}
    peak: dict[str, int] = {"all": 0}

    def handler(request: Request) -> Response:
        host = request.headers["Host"].split(":")[0]
        with lock:
            active[host] = active.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), active[host])
            peak["all"] = max(peak["all"], sum(active.values()))
        time.sleep(0.1)
        with lock:
            active[host] -= 1
        return Response(FEED)

    server.expect_request("/feed").respond_with_handler(handler)
    settings = fetch_settings(fetch_concurrency=3, fetch_per_host_concurrency=2)
    resolver = _resolver({name: ["127.0.0.1"] for name in ("a.test", "b.test", "c.test")})

    async def go() -> None:
        async with Fetcher(settings, resolver=resolver) as fetcher:
            urls = [f"http://{h}.test:{server.port}/feed" for h in "abc" for _ in range(4)]
            await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    asyncio.run(go())
    assert max(peak[h] for h in ("a.test", "b.test", "c.test")) <= 2
    assert peak["all"] <= 3
