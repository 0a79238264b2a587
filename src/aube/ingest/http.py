"""The safe HTTP fetcher every source goes through.

``Fetcher.fetch(url)`` does one GET the way a careful feed reader should:

- the whole exchange (connect, headers, body) must finish within ``fetch_timeout``, so a
  server that trickles one byte at a time cannot hold a worker;
- the body is decompressed here, bounded by ``fetch_max_bytes`` counted after
  decompression, so a gzip bomb stops after the limit (httpx would inflate a whole network
  chunk at once, up to ~1000× its size); a ``Content-Length`` over the limit is refused
  before any byte is read;
- redirects are followed by hand: at most ``fetch_max_redirects``, loops detected, each
  target checked by the SSRF guard (``netguard``) like the first URL;
- conditional GET: an ETag / Last-Modified from the last fetch gives ``not_modified``;
- ``fetch_concurrency`` requests in flight at once, ``fetch_per_host_concurrency`` per host;
- timeouts, connection failures, 429 and 5xx are retried ``fetch_retries`` times with
  exponential backoff (``fetch_backoff``, doubled each time; ``Retry-After`` is honoured up
  to ``MAX_RETRY_AFTER`` seconds, beyond that Aube gives up rather than hammer); 4xx is not.

Every failure is a ``FetchError`` subclass whose message names the URL and the reason.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import types
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Self
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

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
from aube.ingest.netguard import Guard, GuardedTransport, Resolver

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
MAX_RETRY_AFTER = 120.0
"""Longest ``Retry-After`` (seconds) waited for; a server asking for more is given up on."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
Sleep = Callable[[float], Awaitable[object]]


@dataclass(frozen=True)
class FetchResult:
    """One successful fetch. ``url`` is the final URL, after redirects."""

    url: str
    status: int  # 2xx, or 304 when not modified
    content: bytes  # decompressed; b"" when not modified
    content_type: str | None
    etag: str | None  # the validator to send next time (kept from the request on a bare 304)
    last_modified: str | None
    not_modified: bool
    headers: Mapping[str, str]  # lower-case names


@dataclass(frozen=True)
class _Redirect:
    location: str


class _Retryable(Exception):
    """A 429/5xx answer: retried, and re-raised as ``error`` when retries run out."""

    def __init__(self, error: HTTPStatus, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class Fetcher:
    """Fetches URLs safely; one per run, shared by all its tasks. Use ``async with``.

    ``transport`` replaces the network (tests); the SSRF guard then also resolves names
    before each request, since the connect-time check lives in the default transport.
    ``sleep`` is awaited between retries; ``resolver`` answers DNS for the guard.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        resolver: Resolver | None = None,
    ) -> None:
        self.settings = settings
        self.guard = Guard(settings.fetch_allow_networks, resolver)
        self._resolve_first = transport is not None
        if transport is None:
            transport = GuardedTransport(self.guard, max_connections=settings.fetch_concurrency)
        self._client = httpx.AsyncClient(
            transport=transport,
            trust_env=False,  # an environment proxy would bypass the connect-time guard
            follow_redirects=False,
            timeout=httpx.Timeout(settings.fetch_timeout),
            headers={"User-Agent": settings.fetch_user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._sleep = sleep
        self._slots = asyncio.Semaphore(settings.fetch_concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET ``url``; raises a FetchError subclass naming the URL and the reason."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, seen = url, {url}
        for _hop in range(self.settings.fetch_max_redirects + 1):
            try:
                outcome = await self._request(current, headers)
            except FetchError as exc:
                if current == url:
                    raise
                raise _reworded(exc, f"{exc} (redirected from {url})") from None
            if isinstance(outcome, FetchResult):
                if outcome.not_modified:
                    outcome = _keep_validators(outcome, etag, last_modified)
                return outcome
            target = outcome.location
            if target in seen:
                raise TooManyRedirects(
                    f"cannot fetch {url}: redirect loop ({current} leads back to {target})", url
                )
            seen.add(target)
            current = target
        raise TooManyRedirects(
            f"cannot fetch {url}: more than {self.settings.fetch_max_redirects} redirects "
            f"(fetch_max_redirects); the last one led to {current}",
            url,
        )

    async def _request(self, url: str, headers: dict[str, str]) -> FetchResult | _Redirect:
        retries = self.settings.fetch_retries
        for attempt in range(retries + 1):
            try:
                return await self._attempt(url, headers)
            except (FetchTimeout, ConnectionFailed, _Retryable) as exc:
                error = exc.error if isinstance(exc, _Retryable) else exc
                delay = self.settings.fetch_backoff * 2**attempt
                retry_after = exc.retry_after if isinstance(exc, _Retryable) else None
                if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                    message = f"{error}; it asks to retry after {retry_after:.0f} s"
                    raise _reworded(error, message) from None
                if attempt == retries:
                    if retries:
                        message = f"{error} (gave up after {attempt + 1} attempts)"
                        raise _reworded(error, message) from None
                    raise error from None
                await self._sleep(max(delay, retry_after or 0.0))
        raise AssertionError("unreachable")  # the loop always returns or raises

    async def _attempt(self, url: str, headers: dict[str, str]) -> FetchResult | _Redirect:
        self.guard.check_url(url)
        parts = urlsplit(url)
        if self._resolve_first:
            await self._check_dns(url, parts.hostname or "", parts.port or 0)
        host_key = parts.netloc.lower()
        host_slot = self._host_slots.setdefault(
            host_key, asyncio.Semaphore(self.settings.fetch_per_host_concurrency)
        )
        timeout = self.settings.fetch_timeout
        async with host_slot, self._slots:  # host first: a waiting host holds no global slot
            try:
                async with asyncio.timeout(timeout):
                    return await self._exchange(url, headers)
            except (TimeoutError, httpx.TimeoutException):
                raise FetchTimeout(
                    f"cannot fetch {url}: no complete answer within {timeout:g} s", url
                ) from None
            except BlockedAddress as exc:  # raised at connect time, without the URL
                raise BlockedAddress(f"refused to fetch {url}: {exc}", url) from None
            except httpx.InvalidURL as exc:
                raise FetchError(f"cannot fetch {url}: not a valid URL ({exc})", url) from None
            except httpx.TransportError as exc:
                reason = str(exc) or type(exc).__name__
                raise ConnectionFailed(f"cannot fetch {url}: {reason}", url) from None

    async def _check_dns(self, url: str, host: str, port: int) -> None:
        try:
            await self.guard.resolve(host, port)
        except BlockedAddress as exc:
            raise BlockedAddress(f"refused to fetch {url}: {exc}", url) from None
        except httpcore.ConnectError as exc:
            raise ConnectionFailed(f"cannot fetch {url}: {exc}", url) from None

    async def _exchange(self, url: str, headers: dict[str, str]) -> FetchResult | _Redirect:
        request = self._client.build_request("GET", url, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            status = response.status_code
            if status in _REDIRECTS and "location" in response.headers:
                return _Redirect(urljoin(url, response.headers["location"].strip()))
            if status == 304:
                return _result(url, response, b"")
            if status == 429 or status >= 500:
                error = HTTPStatus(f"cannot fetch {url}: {_status_words(response)}", url, status)
                raise _Retryable(error, _retry_after(response.headers.get("retry-after")))
            if not 200 <= status < 300:
                words = _status_words(response)
                if status in _REDIRECTS:
                    words += " without a Location header"
                raise HTTPStatus(f"cannot fetch {url}: {words}", url, status)
            return _result(url, response, await self._read_body(url, response))
        finally:
            await response.aclose()

    async def _read_body(self, url: str, response: httpx.Response) -> bytes:
        limit = self.settings.fetch_max_bytes
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge(
                f"cannot fetch {url}: the server announces {int(declared):,} bytes, "
                f"over the limit of {limit:,} (fetch_max_bytes)",
                url,
            )
        too_large = TooLarge(
            f"cannot fetch {url}: the body is over the limit of {limit:,} bytes "
            "after decompression (fetch_max_bytes)",
            url,
        )
        if response.is_stream_consumed:  # an injected transport answered from memory, decoded
            if len(response.content) > limit:
                raise too_large
            return response.content
        decoder = _Decoder.for_encoding(response.headers.get("content-encoding", ""), url)
        body = bytearray()
        async for raw in response.aiter_raw():
            body += decoder.decode(raw, limit - len(body) + 1)
            if len(body) > limit:
                raise too_large
        return bytes(body)


class _Decoder:
    """Undoes Content-Encoding, never producing more than the caller's budget per call."""

    def __init__(self, encoding: str, url: str) -> None:
        self.encoding = encoding
        self.url = url
        self._z: zlib._Decompress | None = None  # created on the first bytes (deflate sniffs)
        self._pending = b""

    @classmethod
    def for_encoding(cls, header: str, url: str) -> _Decoder:
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if not codings:
            return cls("identity", url)
        if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
            return cls(codings[0], url)
        raise FetchError(
            f"cannot fetch {url}: the body is encoded as {header!r}, which Aube does not decode",
            url,
        )

    def decode(self, data: bytes, budget: int) -> bytes:
        """Decoded bytes of ``data``; exactly ``budget`` bytes back means "over the limit"."""
        if self.encoding == "identity" or not data:
            return data
        try:
            if self._z is None:
                data = self._pending + data
                if len(data) < 2:  # the deflate sniff needs two bytes
                    self._pending = data
                    return b""
                self._z = zlib.decompressobj(self._wbits(data))
            out = self._z.decompress(data, budget)
            # A server may send several gzip members in a row; start again on the next one.
            while self._z.eof and self._z.unused_data[:2] == b"\x1f\x8b" and len(out) < budget:
                rest = self._z.unused_data
                self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
                out += self._z.decompress(rest, budget - len(out))
            return out
        except zlib.error as exc:
            raise FetchError(
                f"cannot fetch {self.url}: the {self.encoding} body is corrupt ({exc})", self.url
            ) from None

    def _wbits(self, first: bytes) -> int:
        if self.encoding != "deflate":
            return zlib.MAX_WBITS | 32  # gzip, or zlib mislabelled as gzip
        # "deflate" should be zlib-wrapped, but many servers send a raw deflate stream.
        zlib_header = first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS


def _result(url: str, response: httpx.Response, content: bytes) -> FetchResult:
    headers = response.headers
    return FetchResult(
        url=url,
        status=response.status_code,
        content=content,
        content_type=headers.get("content-type"),
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        not_modified=response.status_code == 304,
        headers=types.MappingProxyType(dict(headers)),
    )


def _keep_validators(
    result: FetchResult, etag: str | None, last_modified: str | None
) -> FetchResult:
    return FetchResult(
        url=result.url,
        status=result.status,
        content=b"",
        content_type=result.content_type,
        etag=result.etag or etag,
        last_modified=result.last_modified or last_modified,
        not_modified=True,
        headers=result.headers,
    )


def _status_words(response: httpx.Response) -> str:
    phrase = response.reason_phrase or ""
    return f"the server answered {response.status_code} {phrase}".rstrip()


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _reworded(error: FetchError, message: str) -> FetchError:
    """The same kind of error with a fuller message."""
    if isinstance(error, HTTPStatus):
        return HTTPStatus(message, error.url, error.status)
    return type(error)(message, error.url)
