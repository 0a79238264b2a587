"""Every error Aube raises on purpose, as one tree.

    AubeError                      base; its message names the thing at fault
    ├── ConfigError                a setting or configuration file is invalid
    ├── NotFound                   a source, item, story, user or card that does not exist
    ├── InvalidInput               bad input from a person: a URL, an OPML file, an export…
    ├── StoreError                 the database is unusable (wrong schema, newer than the code)
    ├── FetchError                 one URL could not be fetched (the source is marked, the run goes on)
    │   ├── BlockedAddress         the URL resolves to a loopback/private/reserved address
    │   ├── TooLarge               the body (after decompression) is over the size limit
    │   ├── TooManyRedirects       a redirect loop or chain longer than allowed
    │   ├── HTTPStatus             the server answered 4xx/5xx
    │   ├── FetchTimeout           the server did not answer in time
    │   └── ConnectionFailed       DNS failure, refused connection, TLS error…
    ├── FeedError                  the body is not a usable feed (HTML page, malformed XML, …)
    └── BackendError               a model backend (embedder, summarizer, LLM) failed

Errors are values for the caller to show, never tracebacks for the user: the CLI
prints ``str(error)`` and exits non-zero.
"""

from __future__ import annotations


class AubeError(Exception):
    """Base of every error Aube raises on purpose."""


class ConfigError(AubeError):
    pass


class NotFound(AubeError):
    pass


class InvalidInput(AubeError):
    pass


class StoreError(AubeError):
    pass


class FetchError(AubeError):
    """A URL could not be fetched. ``url`` is the URL at fault (the last one, after redirects)."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class BlockedAddress(FetchError):
    pass


class TooLarge(FetchError):
    pass


class TooManyRedirects(FetchError):
    pass


class HTTPStatus(FetchError):
    def __init__(self, message: str, url: str = "", status: int = 0) -> None:
        super().__init__(message, url)
        self.status = status


class FetchTimeout(FetchError):
    pass


class ConnectionFailed(FetchError):
    pass


class FeedError(AubeError):
    pass


class BackendError(AubeError):
    pass
