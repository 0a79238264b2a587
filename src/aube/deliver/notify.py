"""Notifications through Apprise (ntfy, Gotify, Matrix, Telegram, Discord, email, …): a short
"your briefing is ready" with the top headlines and a link, one Apprise URL per channel.

Apprise URLs often hold secrets (bot tokens, passwords); they are stored as given, because
Apprise needs them to send, and shown masked (Apprise's privacy form) everywhere else.

On a shared server a user must not aim notifications at the server's own network (an
internal service, a cloud metadata endpoint). A URL whose host is an IP literal is checked
against the same rules as fetched feeds; a host name is resolved and checked for the
self-hosted services, where the host is where Apprise connects. Hosted services (Telegram,
Discord, …) connect to their fixed public API, and their "host" part is often a secret, so
it is never sent to DNS. ``notify_allow_networks`` lets a self-hosted ntfy on the LAN in.
Residual risk: Apprise resolves the name again when it sends.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import apprise

with warnings.catch_warnings(), contextlib.suppress(ImportError):
    # Apprise imports imghdr (deprecated since Python 3.11) when it first loads its plugins,
    # possibly in a worker thread; importing it here, once and quietly, keeps that silent.
    warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
    import imghdr  # noqa: F401

from aube.config import Settings
from aube.deliver.base import DeliveryError, Outgoing, day_label, edition_url
from aube.errors import InvalidInput
from aube.ingest.netguard import AllowList, blocked_reason, parse_ip_literal
from aube.types import Edition

_CAPTURE = threading.Lock()

# Schemes whose host part is the server Apprise connects to (self-hostable services).
SELF_HOSTED = {
    "json",
    "jsons",
    "xml",
    "xmls",
    "form",
    "forms",
    "ntfy",
    "ntfys",
    "gotify",
    "gotifys",
    "matrix",
    "matrixs",
    "mmost",
    "mmosts",
    "rocket",
    "rockets",
    "apprise",
    "apprises",
    "nctalk",
    "nctalks",
    "ncloud",
    "nclouds",
    "mailto",
    "mailtos",
    "mqtt",
    "mqtts",
    "rsyslog",
    "syslog",
    "signal",
    "signals",
    "misskey",
    "misskeys",
    "mastodon",
    "mastodons",
    "toot",
    "toots",
    "synology",
    "synologys",
    "home-assistant",
    "hassio",
    "hassios",
}


def masked(url: str) -> str:
    """The URL with its secrets hidden, for lists and error messages."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return url.split("://", 1)[0] + "://…"
    return str(plugin.url(privacy=True))


def check_url(url: str, settings: Settings) -> None:
    """Refuse a URL Apprise cannot use, or one aimed at a network the server keeps private."""
    plugin = apprise.Apprise.instantiate(url.strip())
    if plugin is None:
        raise InvalidInput(
            f"{masked(url)} is not a notification URL Apprise understands "
            "(see https://github.com/caronc/apprise/wiki)"
        )
    scheme = url.strip().split("://", 1)[0].lower()
    host = str(getattr(plugin, "host", "") or "")
    if not host:
        return
    allow = AllowList.parse(settings.notify_allow_networks)
    if allow.allows_host(host):
        return
    literal = parse_ip_literal(host)
    if literal is not None:
        addresses = [literal]
    elif scheme in SELF_HOSTED:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return  # a name that does not resolve reaches nothing; sending will say so
        addresses = [a for a in (parse_ip_literal(str(i[4][0])) for i in infos) if a is not None]
    else:
        return
    for address in addresses:
        reason = blocked_reason(address)
        if reason and not allow.allows_ip(address):
            raise InvalidInput(
                f"{masked(url)} points to {reason} ({address}); notifications may "
                "not reach this server's own network unless it is listed in "
                "notify_allow_networks"
            )


@dataclass(frozen=True)
class Notification:
    url: str
    title: str
    body: str


def notification_text(
    settings: Settings, edition: Edition, *, test: bool = False
) -> tuple[str, str]:
    """(title, body): the headline count, the top headlines, and the link to the edition."""
    n = len(edition.cards)
    title = ("[Test] " if test else "") + "Your Aube briefing is ready"
    if n:
        lines = [f"{day_label(edition.date)}: {n} {'story' if n == 1 else 'stories'} for you."]
        lines += [f"• {c.headline}" for c in edition.cards[: settings.notify_headlines]]
    else:
        lines = [f"{day_label(edition.date)}: nothing today matched your interests closely enough."]
    if test:
        lines.insert(0, "This is a test from Aube: this notification channel works.")
    lines.append(f"Read it: {edition_url(settings, edition.date)}")
    return title, "\n".join(lines)


class AppriseChannel:
    kind = "apprise"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def prepare(self, outgoing: Outgoing) -> Notification:
        url = outgoing.channel.target
        try:
            check_url(url, self.settings)
        except InvalidInput as exc:
            raise DeliveryError(str(exc), permanent=True) from None
        title, body = notification_text(self.settings, outgoing.edition, test=outgoing.test)
        return Notification(url, title, body)

    def send(self, prepared: Notification) -> str:
        notifier = apprise.Apprise()
        if not notifier.add(prepared.url):
            raise DeliveryError(
                f"{masked(prepared.url)} is not a usable notification URL", permanent=True
            )
        if hasattr(apprise, "AppriseResult"):
            # Apprise 2: the result carries this call's own log, apart from other threads'.
            result: Any = notifier.notify(
                body=prepared.body, title=prepared.title, body_format=apprise.NotifyFormat.TEXT
            )
            lines = [
                str(e.message)
                for e in result.logs()
                if getattr(e, "level", "") in ("WARNING", "ERROR", "CRITICAL")
            ]
        else:
            # Apprise 1 logs to one global logger: capture one send at a time, so that one
            # user's error never reads another's.
            with _CAPTURE, apprise.LogCapture(level=logging.WARNING) as captured:
                result = notifier.notify(
                    body=prepared.body, title=prepared.title, body_format=apprise.NotifyFormat.TEXT
                )
            lines = captured.getvalue().splitlines()
        if result:
            return f"notified {masked(prepared.url)}"
        why = " ".join(line.strip() for line in lines if line.strip())
        message = f"{masked(prepared.url)} failed" + (f": {why[:500]}" if why else "")
        # Apprise 2 tells a timeout (the service may have it) from a refusal; 1.x only says no.
        status = getattr(getattr(result, "status", None), "name", "")
        raise DeliveryError(message, maybe_sent=status == "TIMEOUT")

    def close(self) -> None:
        pass
