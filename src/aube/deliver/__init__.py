"""Deliveries: an edition sent on one channel — email over SMTP, a private Atom feed, a
notification through Apprise — exactly once per channel and day.

For the web app: ``render_atom`` (``/feed/{token}.atom``), ``unsubscribe`` (``/unsubscribe/{token}``,
GET to confirm and POST for RFC 8058 one-click), ``send_test`` (the "send me a test" button),
and the channel functions in ``aube.deliver.service``.
"""

from aube.deliver.atom import ATOM_MEDIA_TYPE, render_atom
from aube.deliver.base import Channel, DeliveryError, Outgoing, channel_for, register_channel
from aube.deliver.service import (
    add_apprise,
    create_feed,
    disable_email,
    enable_email,
    remove_channel,
    revoke_feed,
    send_test,
    unsubscribe,
)

__all__ = [
    "ATOM_MEDIA_TYPE",
    "Channel",
    "DeliveryError",
    "Outgoing",
    "add_apprise",
    "channel_for",
    "create_feed",
    "disable_email",
    "enable_email",
    "register_channel",
    "remove_channel",
    "render_atom",
    "revoke_feed",
    "send_test",
    "unsubscribe",
]
