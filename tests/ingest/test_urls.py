"""Canonical URLs and the http(s) test."""

from __future__ import annotations

import pytest

from aube.ingest.urls import canonical_url, is_http_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.COM:80/a?b=2&a=1#frag", "http://example.com/a?a=1&b=2"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        (
            "https://example.com/p?utm_source=rss&utm_medium=feed&id=7&fbclid=abc&gclid=1",
            "https://example.com/p?id=7",
        ),
        (
            "https://example.com/p?mc_cid=1&mc_eid=2&_ga=3&msclkid=4&igshid=5",
            "https://example.com/p",
        ),
        (
            "https://example.com/p?source=front&uid=9",
            "https://example.com/p?source=front&uid=9",
        ),  # not trackers
        ("https://example.com/p?b=&a=2&a=1", "https://example.com/p?a=1&a=2&b="),
        ("https://example.com./x", "https://example.com/x"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("  https://example.com/with%20space  ", "https://example.com/with%20space"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


def test_canonical_url_leaves_non_http_alone() -> None:
    assert canonical_url("mailto:a@b.example") == "mailto:a@b.example"


@pytest.mark.parametrize(
    "url", ["http://example.com", "https://example.com/a?b#c", "HTTPS://EXAMPLE.COM:8080/"]
)
def test_http_urls(url: str) -> None:
    assert is_http_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com",
        "/relative",
        "ftp://example.com",
        "javascript:alert(1)",
        "http://",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "file:///etc/passwd",
    ],
)
def test_not_http_urls(url: str) -> None:
    assert not is_http_url(url)
