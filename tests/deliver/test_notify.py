"""Notifications through Apprise, to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aube.config import load_settings
from aube.deliver.base import DeliveryError, Outgoing
from aube.deliver.notify import AppriseChannel, check_url, masked
from aube.errors import InvalidInput
from aube.store import ChannelRecord
from aube.types import Card, Edition, User

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
USER = User(
    id=7,
    handle="ada",
    display_name="Ada",
    email=None,
    timezone="UTC",
    language="en",
    edition_size=5,
    morning_time="06:00",
    is_admin=False,
    created_at=NOW,
)


def card(n: int) -> Card:
    return Card(
        id=10 + n,
        edition_id=1,
        user_id=7,
        position=n,
        kind="story",
        story_id=n,
        story_version=1,
        headline=f"Headline number {n}",
        summary="…",
        reason="…",
        interest_id=None,
        interest_label="",
        sources=(),
        changes=(),
        score=1.0,
        saved=False,
        dismissed=False,
        feedback=None,
        created_at=NOW,
        date="2026-11-28",
    )


EDITION = Edition(
    id=1,
    user_id=7,
    date="2026-11-28",
    created_at=NOW,
    quiet=False,
    cards=tuple(card(n) for n in range(5)),
)


@pytest.fixture
def receiver() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def send(settings, url: str, *, test: bool = False) -> str:
    channel = ChannelRecord(
        id=1,
        user_id=7,
        kind="apprise",
        target=url,
        enabled=True,
        has_feed_token=False,
        unsubscribe_token=None,
        created_at=NOW,
        updated_at=NOW,
    )
    impl = AppriseChannel(settings)
    return impl.send(
        impl.prepare(
            Outgoing(user=USER, edition=EDITION, channel=channel, now=NOW, delivery_id=5, test=test)
        )
    )


def test_a_json_webhook_gets_the_top_headlines_and_the_link(
    receiver: HTTPServer, tmp_path: Path
) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        notify_allow_networks=["127.0.0.0/8"],
        public_url="https://aube.example.org",
        notify_headlines=3,
    )
    got: list[dict] = []

    def keep(request: Request) -> Response:
        got.append(json.loads(request.get_data()))
        return Response("ok")

    receiver.expect_request("/hook", method="POST").respond_with_handler(keep)
    receipt = send(settings, f"json://127.0.0.1:{receiver.port}/hook")
    assert receipt.startswith("notified json://")
    (payload,) = got
    assert payload["title"] == "Your Aube briefing is ready"
    body = payload["message"]
    assert "Saturday 28 November: 5 stories for you." in body
    assert [line for line in body.splitlines() if line.startswith("•")] == [
        "• Headline number 0",
        "• Headline number 1",
        "• Headline number 2",
    ]
    assert body.endswith("Read it: https://aube.example.org/editions/2026-11-28")


def test_ntfy_on_the_local_network(receiver: HTTPServer, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, notify_allow_networks=["127.0.0.1"])
    seen: list[Request] = []

    def keep(request: Request) -> Response:
        seen.append(request)
        return Response(
            json.dumps({"id": "abc", "event": "message"}), content_type="application/json"
        )

    receiver.expect_request("/", method="POST").respond_with_handler(keep)  # ntfy's JSON API
    send(settings, f"ntfy://127.0.0.1:{receiver.port}/aube-news", test=True)
    (request,) = seen
    payload = json.loads(request.get_data())
    assert payload["topic"] == "aube-news"
    assert payload["title"] == "[Test] Your Aube briefing is ready"
    assert payload["message"].startswith("This is a test from Aube")
    assert "• Headline number 0" in payload["message"]


def test_a_failing_receiver_is_a_retry_not_a_maybe(receiver: HTTPServer, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, notify_allow_networks=["127.0.0.0/8"])
    receiver.expect_request("/hook").respond_with_data("down for maintenance", status=503)
    with pytest.raises(DeliveryError, match="failed") as info:
        send(settings, f"json://127.0.0.1:{receiver.port}/hook")
    assert not info.value.permanent and not info.value.maybe_sent


def test_urls_to_the_servers_own_network_are_refused(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    for url in (
        "json://127.0.0.1:8080/x",
        "ntfy://10.1.2.3/topic",
        "gotify://169.254.169.254/tok",
        "json://[::1]:9000/x",
        "json://2130706433/x",
    ):
        with pytest.raises(InvalidInput, match="notify_allow_networks"):
            check_url(url, settings)
    with pytest.raises(InvalidInput, match="not a notification URL"):
        check_url("nonsense://whatever", settings)
    # Allowed explicitly, a LAN ntfy is fine; a hosted service's URL is never looked up.
    check_url(
        "ntfy://10.1.2.3/topic",
        load_settings(data_dir=tmp_path, notify_allow_networks=["10.0.0.0/8"]),
    )
    check_url("tgram://123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ/12345", settings)
    # Secrets never show in lists or errors.
    assert "AAbbCCdd" not in masked("tgram://123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ/12345")
    with pytest.raises(DeliveryError, match="notify_allow_networks") as info:
        send(settings, "json://127.0.0.1:1/x")
    assert info.value.permanent
