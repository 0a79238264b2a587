"""Canonical URLs: one spelling per page, so the same article from two feeds is one item.

Written with ``urllib.parse`` rather than courlan's ``normalize_url``: courlan drops any
parameter whose name merely contains words like ``source``, ``uid``, ``session`` or ``ref``,
which some sites use to tell articles apart, and it keeps fragments. Here only well-known
tracking parameters go.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "oly_", "at_", "hsa_", "_hs", "ga_")
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "igshid", "igsh", "li_fat_id", "mkt_tok", "vero_id", "vero_conv",
        "_ga", "_gl", "_ke", "wt_mc", "wt.mc_id", "ocid", "cmpid", "s_cid", "icid",
        "sr_share", "ref_src", "ref_url", "spm", "scid", "__twitter_impression",
    }
)  # fmt: skip


def is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not isinstance(url, str) or re.search(r"[\x00-\x20\x7f]", url.strip()):
        return False
    try:
        parts = urlsplit(url.strip())
        return (
            parts.scheme.lower() in _DEFAULT_PORTS
            and bool(parts.hostname)
            and (parts.port is None or 0 < parts.port < 65536)
        )
    except ValueError:
        return False


def canonical_url(url: str) -> str:
    """``url`` with scheme and host lower-cased, the default port, fragment and tracking
    parameters removed, the other query parameters sorted, and an empty path as ``/``.

    A string that is not an http(s) URL comes back stripped but otherwise unchanged.
    """
    url = url.strip()
    if not is_http_url(url):
        return url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if parts.port is not None and parts.port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{parts.port}"
    if parts.username is not None:
        auth = parts.netloc.rpartition("@")[0]
        netloc = f"{auth}@{netloc}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
