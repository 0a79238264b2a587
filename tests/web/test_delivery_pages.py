"""Settings → Delivery, the private feed and unsubscribing, through the app's real routes, with
a real SMTP server (aiosmtpd) and a real HTTP receiver for notifications on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from deliver.helpers import MailSink
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from support import REPO
from web.client import Browser
from web.world import NOW, World
from werkzeug import Request as WRequest
from werkzeug import Response as WResponse

from aube.config import Settings, load_settings
from aube.deliver import ATOM_MEDIA_TYPE
from aube.store import Store
from aube.web.server import bind

PUBLIC = "https://aube.example"
SECRET = re.compile(r'<code class="secret">([^<]+)</code>')


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, sink: MailSink) -> Settings:
    """The web tests' settings, with email through the sink and notifications allowed to reach
    loopback (where the test receiver listens)."""
    return load_settings(
        data_dir=tmp_path / "data",
        embed_backend="hashing",
        public_url=PUBLIC,
        notify_allow_networks=["127.0.0.0/8"],
        **sink.settings(),
    )


@pytest.fixture
def receiver() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def text(response: httpx.Response) -> str:
    """The page's words as a reader sees them (markup gone, spaces collapsed)."""
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())
    return re.sub(r" ([:,.])", r"\1", words)


def channel(store: Store, user_id: int, kind: str) -> int:
    return next(c.id for c in store.list_channels(user_id) if c.kind == kind)


def test_the_page_shows_the_morning_and_each_channel(ana: Browser) -> None:
    page = ana.get("/settings/delivery")
    assert page.status_code == 200
    words = text(page)
    assert "Every morning at 07:00 (Europe/Paris)" in words
    assert '<a href="/settings">Account settings</a>' in page.text  # where the time is changed
    assert '<a href="/settings/delivery" aria-current="page">Delivery</a>' in page.text
    assert "The morning email to ana@example.org Off" in words
    assert "ntfys://ntfy.sh/" in words and "tgram://" in words  # how to write a notification URL
    assert "No notification URL." in words and "Make my private feed" in words
    assert "Nothing delivered yet" in words


def test_email_on_a_test_arrives_and_one_click_unsubscribe_turns_it_off(
    ana: Browser, app: FastAPI, world: World, sink: MailSink
) -> None:
    on = ana.post("/settings/delivery/email", {"state": "on"})
    assert "Email briefings are on" in text(
        on
    ) and "The morning email to ana@example.org On" in text(on)
    tested = ana.post(
        f"/settings/delivery/channels/{channel(world.store, world.ana.id, 'email')}/test"
    )
    assert "Test sent on Email to ana@example.org" in text(tested)
    (mail,) = sink.wait_for(1)
    assert mail.recipients == ["ana@example.org"]
    assert mail.message["Subject"].startswith("[Test] ")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail.message["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith(f"{PUBLIC}/unsubscribe/")
    path = urlsplit(link).path

    provider = TestClient(app)  # a mail provider's server: no cookie, no CSRF token
    assert "Stop the morning emails?" in text(provider.get(path))  # asking changes nothing
    assert world.store.find_channel(world.ana.id, "email").enabled
    for _ in range(2):  # idempotent
        done = provider.post(path, data={"List-Unsubscribe": "One-Click"}, follow_redirects=False)
        assert done.status_code == 200
        assert "You will no longer receive the briefing by email" in text(done)
        assert 'href="/settings/delivery"' in done.text
    assert not world.store.find_channel(world.ana.id, "email").enabled
    assert "already off" in text(provider.get(path))
    assert "The morning email to ana@example.org Off" in text(ana.get("/settings/delivery"))
    assert provider.post("/unsubscribe/" + "x" * 32).status_code == 404


def test_email_needs_an_address(ana: Browser, world: World) -> None:
    world.store.update_user(world.ana.id, email=None)
    page = text(ana.get("/settings/delivery"))
    assert "Your account has no email address" in page and "Turn on" not in page
    refused = ana.post("/settings/delivery/email", {"state": "on"})
    assert refused.status_code == 400 and "has no email address" in text(refused)
    assert world.store.find_channel(world.ana.id, "email") is None


def test_a_notification_url_gets_a_test_and_failures_are_shown(
    ana: Browser, world: World, receiver: HTTPServer
) -> None:
    got: list[dict] = []

    def keep(request: WRequest) -> WResponse:
        got.append(json.loads(request.get_data()))
        return WResponse("ok")

    receiver.expect_request("/hook", method="POST").respond_with_handler(keep)
    url = f"json://127.0.0.1:{receiver.port}/hook"
    added = ana.post("/settings/delivery/apprise", {"url": url})
    assert "Notification URL added" in text(added) and url in text(added)
    hook = channel(world.store, world.ana.id, "apprise")
    tested = ana.post(f"/settings/delivery/channels/{hook}/test")
    assert f"Test sent on {url}" in text(tested)
    (payload,) = got
    assert payload["title"] == "[Test] Your Aube briefing is ready"
    assert f"{PUBLIC}/editions/" in payload["message"]

    receiver.clear()
    receiver.expect_request("/hook").respond_with_data("down for maintenance", status=503)
    failed = ana.post(f"/settings/delivery/channels/{hook}/test")
    assert failed.status_code == 200
    assert re.search(rf"The test did not arrive on {re.escape(url)}: .*failed", text(failed))

    refused = ana.post("/settings/delivery/apprise", {"url": "json://10.1.2.3/x"})
    assert refused.status_code == 400 and "notify_allow_networks" in text(refused)
    assert "json://10.1.2.3/x" in refused.text  # kept in the field to correct it
    removed = ana.post(f"/settings/delivery/channels/{hook}/remove")
    assert "Notification URL removed." in text(removed) and url not in text(removed)
    assert world.store.list_channels(world.ana.id) == []


def test_the_private_feed_is_shown_once_revoked_and_regenerated(
    ana: Browser, app: FastAPI, world: World
) -> None:
    made = ana.post("/settings/delivery/feed")
    (url,) = SECRET.findall(made.text)
    assert url.startswith(f"{PUBLIC}/feed/") and url.endswith(".atom")
    assert url not in ana.get("/settings/delivery").text  # only its digest is kept
    reader = TestClient(app)  # a feed reader: no log-in
    feed = reader.get(urlsplit(url).path)
    assert feed.status_code == 200 and feed.headers["content-type"] == ATOM_MEDIA_TYPE
    assert feed.content.startswith(b"<?xml") and b"<feed" in feed.content
    assert feed.headers["cache-control"] == "private, max-age=300"
    again = reader.get(urlsplit(url).path, headers={"If-None-Match": feed.headers["etag"]})
    assert again.status_code == 304 and not again.content

    (new,) = SECRET.findall(ana.post("/settings/delivery/feed").text)  # "make a new address"
    assert new != url
    assert reader.get(urlsplit(url).path).status_code == 404
    assert reader.get(urlsplit(new).path).status_code == 200
    revoked = ana.post("/settings/delivery/feed/revoke")
    assert "Private feed revoked" in text(revoked) and "Make my private feed" in text(revoked)
    assert reader.get(urlsplit(new).path).status_code == 404
    assert reader.get("/feed/not-a-token.atom").status_code == 404


def test_another_user_cannot_test_or_remove_my_channels(
    ana: Browser, bob: Browser, world: World, receiver: HTTPServer
) -> None:
    url = f"json://127.0.0.1:{receiver.port}/ana-secret-hook"
    ana.post("/settings/delivery/apprise", {"url": url})
    ana.post("/settings/delivery/email", {"state": "on"})
    ana.post("/settings/delivery/feed")
    before = world.store.list_channels(world.ana.id)
    assert "ana-secret-hook" not in bob.get("/settings/delivery").text
    for c in before:
        for action in ("test", "remove"):
            answer = bob.post(f"/settings/delivery/channels/{c.id}/{action}")
            assert answer.status_code == 404, (c.kind, action)
            assert "ana-secret-hook" not in answer.text
    assert world.store.list_channels(world.ana.id) == before
    assert receiver.log == []  # nothing was sent on Ana's hook


def test_failed_deliveries_are_shown_to_the_reader_and_the_administrator(
    ana: Browser, app: FastAPI, world: World
) -> None:
    store = world.store
    store.update_user(world.bob.id, is_admin=True)
    ana.post("/settings/delivery/email", {"state": "on"})
    ana.post("/settings/delivery/feed")
    email, feed = channel(store, world.ana.id, "email"), channel(store, world.ana.id, "atom")

    def attempt(channel_id: int, kind: str, day: str, status: str, **outcome: object) -> None:
        claimed = store.claim_delivery(
            user_id=world.ana.id,
            channel_id=channel_id,
            kind=kind,
            date=day,
            edition_id=None,
            worker="w1",
            now=NOW,
            lease_until=NOW + timedelta(minutes=5),
        )
        assert claimed is not None
        store.begin_sending(
            claimed.id, worker="w1", now=NOW, lease_until=NOW + timedelta(minutes=5)
        )
        assert store.finish_delivery(claimed.id, worker="w1", now=NOW, status=status, **outcome)

    attempt(email, "email", "2026-03-01", "failed", error="550 5.1.1 no such mailbox here")
    attempt(email, "email", "2026-03-02", "unknown", error="lost the mail server mid-message")
    attempt(
        email,
        "email",
        "2026-03-03",
        "retry",
        error="421 try again later",
        next_attempt_at=NOW + timedelta(minutes=2),
    )
    attempt(feed, "atom", "2026-03-03", "sent", detail="published in the Atom feed (3 entries)")

    page = text(ana.get("/settings/delivery"))
    assert (
        "Sunday 1 March 2026 · Email to ana@example.org Failed 550 5.1.1 no such mailbox here"
    ) in page
    assert (
        "Perhaps delivered: not sent again" in page and "lost the mail server mid-message" in page
    )
    assert "Not delivered yet: trying again Tue 3 Mar, 08:32 421 try again later" in page  # Paris
    assert "Tuesday 3 March 2026 · Private feed Sent Tue 3 Mar, 08:30" in page

    admin = Browser(app)
    admin.login("bob")
    seen = text(admin.get("/admin"))
    assert "Failed deliveries" in seen
    assert "@ana" in seen and "550 5.1.1 no such mailbox here" in seen
    assert "lost the mail server mid-message" in seen
    assert "421 try again later" not in seen  # still being retried: not the admin's concern yet
    assert ana.get("/admin").status_code == 404


@pytest.mark.parametrize("worker", [True, False])
def test_aube_serve_runs_the_worker_unless_told_not_to(tmp_path: Path, worker: bool) -> None:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUBE_")}
    env |= {
        "AUBE_DATA_DIR": str(tmp_path / "data"),
        "AUBE_EMBED_BACKEND": "hashing",
        "PYTHONPATH": str(REPO / "src"),
    }
    args = [sys.executable, "-c", "from aube.cli import main; main()", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        args + ([] if worker else ["--no-worker"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    settings = load_settings(data_dir=tmp_path / "data")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    "aube serve did not start"
                )
                time.sleep(0.1)
        store = Store.open(settings)
        try:
            # The worker's first tick fetches at once; it starts with the app, before it answers.
            deadline = time.monotonic() + (20 if worker else 1)
            while not store.last_runs(["ingest"]) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert bool(store.last_runs(["ingest"])) is worker
        finally:
            store.close()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert ("runs in this process" if worker else "run `aube worker`") in out
