"""Which addresses the fetcher may reach: the guard against server-side request forgery.

Users add arbitrary URLs on a shared server, so a URL must not reach the server's own
loopback, the private network, or a cloud metadata endpoint (169.254.169.254). The guard
works at two points:

1. ``Guard.check_url`` runs before every request and every redirect hop: only http(s),
   a host is required, and a host written as an IP literal in any notation (``2130706433``,
   ``0177.0.0.1``, ``0x7f.1``, ``127.1``, ``[::ffff:127.0.0.1]``) is checked as that address.
2. ``GuardedBackend`` is the httpcore network backend under the default transport: it
   resolves the host itself, checks **every** address of the DNS answer (one bad address
   refuses the name) and connects only to an address it checked. The check and the connect
   use the same answer, so DNS rebinding (public on one lookup, private on the next) cannot
   slip in between. TLS SNI, certificate checks and the Host header still use the name:
   httpcore takes them from the request's URL, not from the address we connect to.

Residual risks, stated plainly:

- An explicitly injected transport (tests) connects on its own; then ``check_url`` also
  resolves the name, but the transport may resolve it again differently.
- Proxies are never used (the client is built with ``trust_env=False``); a proxy would do
  its own resolution out of our sight.
- A host name on the allow-list is trusted whatever it resolves to.
- A public address that the network routes back inside (hairpin NAT, a provider's own
  public IPs) cannot be recognised from the address alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

from aube.errors import BlockedAddress, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``await resolver(host, port)`` → the IP addresses (strings) the host name stands for."""

ALLOWED_SCHEMES = ("http", "https")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; not "private" to Python
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HINT = "; list it in fetch_allow_networks to allow it"
# inet_aton accepts decimal, octal, hex and shortened IPv4 forms; only try it on hosts
# made of those characters so that names like "face.bad" stay names.
_IPV4_LIKE = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host written as an IP literal stands for, in any notation; None for a name."""
    text = host.strip().removeprefix("[").removesuffix("]")
    text = text.split("%", 1)[0]  # an IPv6 zone id does not change which address it is
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    candidate = text.rstrip(".")
    if candidate and _IPV4_LIKE.match(candidate) and any(c.isdigit() for c in candidate):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(candidate))
        except OSError:
            return None
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` is not fetched by default ("a loopback address", …); None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            if reason:
                return f"{reason} ({inner}) inside an IPv6 address"
        if ip.teredo is not None:
            return "a Teredo tunnel address"
        if ip.is_site_local:
            return "a site-local address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "an address that is not globally routable"
    return None


@dataclass(frozen=True)
class AllowList:
    """Networks and host names allowed although they are not public (``fetch_allow_networks``)."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in entries:
            text = entry.strip()
            if not text:
                continue
            try:
                networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
            except ValueError:
                hosts.add(_host_key(text))
        return cls(tuple(networks), frozenset(hosts))

    def allows_host(self, host: str) -> bool:
        return _host_key(host) in self.hosts

    def allows_ip(self, ip: IPAddress) -> bool:
        candidates: list[IPAddress] = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        return any(c.version == n.version and c in n for c in candidates for n in self.networks)


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Resolve with the operating system (getaddrinfo in a worker thread)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class Guard:
    """Decides whether a URL or an address may be fetched. See the module docstring."""

    def __init__(self, allow: Iterable[str] = (), resolver: Resolver | None = None) -> None:
        self.allow = AllowList.parse(allow)
        self.resolver: Resolver = resolver or system_resolver

    def refusal(self, ip: IPAddress) -> str | None:
        """Why ``ip`` is refused ("a private address", …); None when public or allowed."""
        if self.allow.allows_ip(ip):
            return None
        return blocked_reason(ip)

    def check_url(self, url: str) -> None:
        """Scheme, host and IP literal checks, without DNS. Raises FetchError / BlockedAddress."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            raise FetchError(f"cannot fetch {url}: not a valid URL ({exc})", url) from None
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            shown = f"the {scheme}: scheme" if scheme else "no scheme"
            raise FetchError(
                f"cannot fetch {url}: it has {shown}; only http and https URLs are fetched", url
            )
        if not host:
            raise FetchError(f"cannot fetch {url}: the URL has no host name", url)
        if self.allow.allows_host(host):
            return
        ip = parse_ip_literal(host)
        reason = self.refusal(ip) if ip is not None else None
        if reason:
            shown = host if str(ip) == host.strip("[]") else f"{host} ({ip})"
            raise BlockedAddress(f"refused to fetch {url}: {shown} is {reason}{_HINT}", url)

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address of ``host``, all checked; raises BlockedAddress if any is refused.

        Raises ``httpcore.ConnectError`` when the name does not resolve, so that the HTTP
        stack treats it as the connection failure it is.
        """
        if self.allow.allows_host(host):
            return [host]
        literal = parse_ip_literal(host)
        if literal is not None:
            reason = self.refusal(literal)
            if reason:
                raise BlockedAddress(f"{host} is {reason}{_HINT}")
            return [str(literal)]
        try:
            answers = list(await self.resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not answers:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        for answer in answers:
            ip = parse_ip_literal(answer)
            if ip is None:
                raise BlockedAddress(f"{host} resolved to {answer!r}, which is not an IP address")
            reason = self.refusal(ip)
            if reason:
                raise BlockedAddress(f"{host} resolves to {ip}, {reason}{_HINT}")
        return answers


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard has checked."""

    def __init__(self, guard: Guard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.resolve(host, port)
        error: Exception | None = None
        for address in addresses:  # like a browser: try each checked address in turn
            try:
                return await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress(f"connecting to the Unix socket {path} is not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


# -- the transport: httpx on an httpcore pool whose network backend is the guarded one --
# httpx 0.28's AsyncHTTPTransport cannot take a network backend (encode/httpx#3749 is open),
# so this small transport drives httpcore's public AsyncConnectionPool directly.

_HTTPCORE_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core, mapped in _HTTPCORE_ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: typing.AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        if hasattr(self._stream, "aclose"):
            with _as_httpx_errors():
                await self._stream.aclose()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that connects only where ``guard`` allows (checked at connect time)."""

    def __init__(self, guard: Guard, *, max_connections: int = 16) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            network_backend=GuardedBackend(guard),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
