"""Delivery settings: the morning email, notification URLs (Apprise), the private Atom feed,
"send me a test" and the recent deliveries with their errors.

Two routes need no log-in because their URL is the credential: the feed itself
(``/feed/{token}.atom``) and unsubscribing from an email (``/unsubscribe/{token}``, whose POST
is RFC 8058's one-click and so carries no CSRF token: it can only turn that user's emails off)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aube.deliver import ATOM_MEDIA_TYPE, DeliveryError, render_atom, service
from aube.deliver.base import feed_url
from aube.deliver.notify import masked
from aube.errors import InvalidInput, NotFound
from aube.store import ChannelRecord
from aube.web.auth import Viewer, ViewerDep, csrf_exempt
from aube.web.context import Web, WebDep
from aube.web.nav import add_settings_page
from aube.web.routes.common import redirect
from aube.web.templating import MESSAGES

router = APIRouter()
PAGE = "/settings/delivery"
RECENT = 30  # deliveries listed on the page
FEED_CACHE = "private, max-age=300"  # readers poll; a proxy must not keep a private feed

add_settings_page("Delivery", PAGE)
MESSAGES.update(
    {
        "delivery-email-on": "Email briefings are on: your next edition comes to your inbox.",
        "delivery-email-off": "Email briefings are off.",
        "delivery-notify-added": "Notification URL added. Send yourself a test to check it.",
        "delivery-notify-removed": "Notification URL removed.",
        "delivery-feed-revoked": "Private feed revoked: its address answers “not found” now.",
    }
)


@dataclass(frozen=True)
class ChannelView:
    id: int
    kind: str
    label: str
    live: bool


def shown(url: str) -> str:
    """An Apprise URL as a list shows it: secrets masked, Apprise's default options left out."""
    return masked(url).split("?", 1)[0]


def _view(channel: ChannelRecord, email: str | None) -> ChannelView:
    if channel.kind == "email":
        return ChannelView(
            channel.id, "email", f"Email to {email}" if email else "Email", channel.enabled
        )
    if channel.kind == "atom":
        return ChannelView(
            channel.id, "atom", "Private feed", channel.enabled and channel.has_feed_token
        )
    return ChannelView(channel.id, channel.kind, shown(channel.target), channel.enabled)


@dataclass(frozen=True)
class Tested:
    channel: str
    ok: bool
    message: str


def _page(
    request: Request,
    w: Web,
    viewer: Viewer,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: str = "",
    new_feed: str | None = None,
    tested: Tested | None = None,
) -> Response:
    user = viewer.user
    views = [_view(c, user.email) for c in w.store.list_channels(user.id)]
    by_kind = {v.kind: v for v in views if v.kind in ("email", "atom")}
    return w.templates.render(
        request,
        "delivery.html",
        status=status,
        tz=user.timezone,
        email=by_kind.get("email"),
        feed=by_kind.get("atom"),
        notifications=[v for v in views if v.kind == "apprise"],
        channel_names={v.id: v.label for v in views},
        deliveries=w.store.list_deliveries(user_id=user.id, limit=RECENT),
        smtp=bool(w.settings.smtp_host),
        errors=errors or {},
        typed=typed,
        new_feed=new_feed,
        tested=tested,
    )


@router.get(PAGE)
def delivery_page(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    return _page(request, w, viewer)


@router.post(f"{PAGE}/email")
def set_email(
    request: Request, state: Annotated[Literal["on", "off"], Form()], w: WebDep, viewer: ViewerDep
) -> Response:
    if state == "off":
        service.disable_email(w.store, viewer.user, now=w.clock())
        return redirect(PAGE, ok="delivery-email-off")
    try:
        service.enable_email(w.store, w.settings, viewer.user, now=w.clock())
    except InvalidInput as exc:
        return _page(request, w, viewer, status=400, errors={"email": str(exc)})
    return redirect(PAGE, ok="delivery-email-on")


@router.post(f"{PAGE}/apprise")
def add_notification(
    request: Request, url: Annotated[str, Form(max_length=2000)], w: WebDep, viewer: ViewerDep
) -> Response:
    try:
        service.add_apprise(w.store, w.settings, viewer.user, url, now=w.clock())
    except InvalidInput as exc:
        return _page(request, w, viewer, status=400, errors={"notify": str(exc)}, typed=url)
    return redirect(PAGE, ok="delivery-notify-added")


@router.post(PAGE + "/channels/{channel_id}/remove")
def remove_channel(channel_id: int, w: WebDep, viewer: ViewerDep) -> Response:
    kind = w.store.get_channel(viewer.user.id, channel_id).kind  # another user's: not found
    service.remove_channel(w.store, viewer.user, channel_id, now=w.clock())
    codes = {"email": "delivery-email-off", "atom": "delivery-feed-revoked"}
    return redirect(PAGE, ok=codes.get(kind, "delivery-notify-removed"))


@router.post(PAGE + "/channels/{channel_id}/test")
def send_me_a_test(request: Request, channel_id: int, w: WebDep, viewer: ViewerDep) -> Response:
    """Sends now, while the page waits (an SMTP server or a webhook answers in seconds); the
    outcome is shown on the page that comes back, error included."""
    channel = _view(w.store.get_channel(viewer.user.id, channel_id), viewer.user.email)
    try:
        receipt = service.send_test(w.store, w.settings, viewer.user, channel_id, now=w.clock())
    except (DeliveryError, InvalidInput) as exc:
        return _page(request, w, viewer, tested=Tested(channel.label, False, str(exc)))
    return _page(request, w, viewer, tested=Tested(channel.label, True, receipt))


@router.post(f"{PAGE}/feed")
def make_feed(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    _, token = service.create_feed(w.store, viewer.user, now=w.clock())
    # Shown on this response only: the store keeps the token's digest. No redirect, so no
    # URL in the history holds it.
    return _page(request, w, viewer, new_feed=feed_url(w.settings, token))


@router.post(f"{PAGE}/feed/revoke")
def revoke_feed(w: WebDep, viewer: ViewerDep) -> Response:
    service.revoke_feed(w.store, viewer.user, now=w.clock())
    return redirect(PAGE, ok="delivery-feed-revoked")


# -- public: the URL is the credential


@router.get("/feed/{token}.atom")
def atom_feed(request: Request, token: str, w: WebDep) -> Response:
    body = render_atom(w.store, w.settings, token)  # NotFound: unknown or revoked
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": FEED_CACHE, "X-Robots-Tag": "noindex"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ATOM_MEDIA_TYPE, headers=headers)


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str, w: WebDep) -> Response:
    """Only asks: a link scanner or a prefetching mail client that opens the link changes
    nothing."""
    channel = w.store.channel_by_unsubscribe_token(token) if token.strip() else None
    if channel is None or channel.kind != "email":
        raise NotFound("this unsubscribe link is not valid (any more)")
    return w.templates.render(
        request, "unsubscribe.html", token=token, done=False, already=not channel.enabled
    )


@router.post("/unsubscribe/{token}")
@csrf_exempt
def unsubscribe(request: Request, token: str, w: WebDep) -> Response:
    """RFC 8058 one-click: a mail provider posts ``List-Unsubscribe=One-Click`` with no
    cookie; the answer is the page itself, never a redirect. Idempotent."""
    service.unsubscribe(w.store, token, now=w.clock())
    return w.templates.render(request, "unsubscribe.html", token=token, done=True, already=False)
