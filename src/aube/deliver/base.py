"""What every delivery channel shares: the Protocol a channel implements, the registry that
names them, the failure a channel raises, and the links it puts in a message.

A channel is a small class with two steps, so that the moment a message leaves is known:

- ``prepare(outgoing)`` renders the message. Nothing has left yet; a failure here is
  certain to have sent nothing.
- ``send(prepared)`` hands it to the outside world and returns a short receipt (a Message-ID,
  "published"). It raises :class:`DeliveryError`, saying whether the message may have left
  anyway (``maybe_sent``) and whether trying again can help (``permanent``).

Built-in channels (email, apprise, atom) are named in the registry by "module:attribute",
imported on first use; a plugin registers its own through the ``aube.channels`` entry points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from typing import Any, Protocol

from aube.config import Settings
from aube.errors import AubeError
from aube.registry import Registry
from aube.store.channels import ChannelRecord
from aube.types import Edition, User


class DeliveryError(AubeError):
    """A channel could not deliver. ``maybe_sent``: the outside world may have the message
    anyway (a connection lost mid-send), so it must not be sent again. ``permanent``: trying
    again will not help (a refused address, a bad URL, no SMTP server configured)."""

    def __init__(self, message: str, *, permanent: bool = False, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class Outgoing:
    """One edition for one user on one channel. ``delivery_id`` is None for a test send."""

    user: User
    edition: Edition
    channel: ChannelRecord
    now: datetime
    delivery_id: int | None = None
    test: bool = False


class Channel(Protocol):
    kind: str

    def prepare(self, outgoing: Outgoing) -> Any:
        """Render the message; raises DeliveryError (never sent) when it cannot be made."""
        ...

    def send(self, prepared: Any) -> str:
        """Send it; returns a receipt. Raises DeliveryError."""
        ...

    def close(self) -> None:
        """Let go of open connections (the worker calls it at the end of each tick)."""
        ...


ChannelFactory = Callable[[Settings], Channel]


CHANNELS: Registry[ChannelFactory] = Registry(
    "delivery channel",
    group="aube.channels",
    builtins={
        "email": "aube.deliver.email:EmailChannel",
        "apprise": "aube.deliver.notify:AppriseChannel",
        "atom": "aube.deliver.atom:AtomChannel",
    },
)


def register_channel(kind: str, factory: ChannelFactory) -> None:
    """Make ``channel_for(kind, settings)`` call ``factory(settings)``; a later call wins."""
    CHANNELS.register(kind, factory)


def channel_for(kind: str, settings: Settings) -> Channel:
    return CHANNELS.factory(kind)(settings)


def channel_kinds() -> list[str]:
    return CHANNELS.names()


# -- links into the web app (the routes the web app serves)


def _base(settings: Settings) -> str:
    return settings.public_url.rstrip("/")


def card_url(settings: Settings, card_id: int) -> str:
    return f"{_base(settings)}/cards/{card_id}"


def edition_url(settings: Settings, day: str) -> str:
    return f"{_base(settings)}/editions/{day}"


def feed_url(settings: Settings, token: str) -> str:
    return f"{_base(settings)}/feed/{token}.atom"


def unsubscribe_url(settings: Settings, token: str) -> str:
    return f"{_base(settings)}/unsubscribe/{token}"


def delivery_settings_url(settings: Settings) -> str:
    return f"{_base(settings)}/settings/delivery"


def day_label(day: str) -> str:
    """'Saturday 28 November' for '2026-11-28' (English, whatever the machine's locale)."""
    d = Date.fromisoformat(day)
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]}"


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def safe_href(url: str) -> str | None:
    """A link fit for a message: http(s) only (no javascript:, data:, …)."""
    lowered = url.strip().lower()
    return url.strip() if lowered.startswith(("https://", "http://")) else None
