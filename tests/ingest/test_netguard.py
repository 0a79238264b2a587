"""The SSRF guard, without a network: addresses, notations, DNS answers and the allow-list."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from pathlib import Path

import httpcore
import httpx
import pytest

from aube.config import load_settings
from aube.errors import BlockedAddress, FetchError
from aube.ingest.http import Fetcher
from aube.ingest.netguard import Guard, GuardedBackend, blocked_reason, parse_ip_literal

PUBLIC = "93.184.215.14"


def resolver(table: dict[str, Sequence[str]]):
    async def resolve(host: str, port: int) -> Sequence[str]:
        return table[host]

    return resolve


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "private"),
        ("240.0.0.1", "private"),
        ("198.18.0.1", "private"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ],
)
def test_non_public_addresses_are_refused(address: str, words: str) -> None:
    reason = blocked_reason(ipaddress.ip_address(address))
    assert reason is not None and words in reason


@pytest.mark.parametrize(
    "address", [PUBLIC, "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"]
)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("literal", "address"),
    [
        ("2130706433", "127.0.0.1"),  # decimal
        ("0177.0.0.1", "127.0.0.1"),  # octal
        ("0x7f.0.0.1", "127.0.0.1"),  # hex
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),  # shortened
        ("0", "0.0.0.0"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("[::1]", "::1"),
        ("[fe80::1%25eth0]", "fe80::1"),
        ("169.254.169.254.", "169.254.169.254"),
    ],
)
def test_ip_literals_in_any_notation(literal: str, address: str) -> None:
    assert parse_ip_literal(literal) == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    "name", ["example.com", "face.bad", "deadbeef", "localhost", "1.2.3.4.example"]
)
def test_names_are_not_literals(name: str) -> None:
    assert parse_ip_literal(name) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]:8080/",
        "http://0.0.0.0:80/",
        "https://169.254.169.254/latest/meta-data/",
        "http://user:pass@10.0.0.1/",
    ],
)
def test_urls_with_private_literals_are_refused_before_any_connection(url: str) -> None:
    with pytest.raises(BlockedAddress) as caught:
        Guard().check_url(url)
    assert url in str(caught.value) and caught.value.url == url


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "data:text/html,<b>hi</b>",
        "javascript:alert(1)",
        "gopher://x/",
        "example.com/feed",
    ],
)
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        Guard().check_url(url)


def test_a_url_without_host_is_refused() -> None:
    with pytest.raises(FetchError, match="no host"):
        Guard().check_url("http:///feed")


def test_every_dns_answer_is_checked() -> None:
    guard = Guard(
        resolver=resolver(
            {"mixed.test": [PUBLIC, "10.0.0.1"], "public.test": [PUBLIC, "2606:4700::1"]}
        )
    )
    assert asyncio.run(guard.resolve("public.test", 443)) == [PUBLIC, "2606:4700::1"]
    with pytest.raises(BlockedAddress, match="mixed.test resolves to 10.0.0.1, a private address"):
        asyncio.run(guard.resolve("mixed.test", 443))


def test_the_allow_list_takes_networks_and_names() -> None:
    table = {
        "localhost": ["127.0.0.1", "::1"],
        "intranet.test": ["10.1.2.3"],
        "other.test": ["10.9.9.9"],
    }
    guard = Guard(
        ["127.0.0.0/8", "::1", "intranet.test", "192.168.0.0/16"], resolver=resolver(table)
    )
    assert asyncio.run(guard.resolve("localhost", 80)) == ["127.0.0.1", "::1"]
    assert asyncio.run(guard.resolve("INTRANET.test.", 80)) == ["INTRANET.test."]
    guard.check_url("http://192.168.1.20/feed")
    guard.check_url("http://[::ffff:127.0.0.1]/")  # mapped form of an allowed network
    with pytest.raises(BlockedAddress):
        asyncio.run(guard.resolve("other.test", 80))
    with pytest.raises(BlockedAddress):
        guard.check_url("http://10.0.0.1/")


def test_an_allowed_name_does_not_allow_its_neighbours() -> None:
    guard = Guard(["localhost"], resolver=resolver({"localhost.evil.test": ["127.0.0.1"]}))
    with pytest.raises(BlockedAddress):
        asyncio.run(guard.resolve("localhost.evil.test", 80))


class RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.hosts.append(host)
        if host == "2001:db8::dead":
            raise httpcore.ConnectError("unreachable")
        return httpcore.AsyncMockStream([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])


def test_the_backend_connects_only_to_checked_addresses() -> None:
    inner = RecordingBackend()
    guard = Guard(
        resolver=resolver({"feeds.test": ["2001:db8::dead", PUBLIC], "evil.test": ["10.0.0.1"]})
    )
    # 2001:db8::/32 is documentation space, so the guard refuses it: allow it for this test.
    guard.allow = type(guard.allow).parse(["2001:db8::/32"])
    backend = GuardedBackend(guard, inner)
    stream = asyncio.run(backend.connect_tcp("feeds.test", 443))
    assert stream is not None and inner.hosts == [
        "2001:db8::dead",
        PUBLIC,
    ]  # the next address after a failure
    with pytest.raises(BlockedAddress):
        asyncio.run(backend.connect_tcp("evil.test", 443))
    assert inner.hosts == ["2001:db8::dead", PUBLIC]  # nothing dialled for evil.test


def test_an_injected_transport_still_gets_names_checked(tmp_path: Path) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, content=b"ok")

    settings = load_settings(data_dir=tmp_path, fetch_retries=0)
    table = {"public.test": [PUBLIC], "metadata.test": ["169.254.169.254"]}

    async def go() -> None:
        async with Fetcher(
            settings, transport=httpx.MockTransport(handler), resolver=resolver(table)
        ) as fetcher:
            assert (await fetcher.fetch("https://public.test/feed")).content == b"ok"
            with pytest.raises(BlockedAddress, match="link-local"):
                await fetcher.fetch("https://metadata.test/latest")

    asyncio.run(go())
    assert calls == ["https://public.test/feed"]
