"""The worker against a real store and a real SMTP server: on time across time zones, late after
downtime, retried with backoff, never twice — with two workers at once, or with one killed
mid-run (``kill -9``) and started again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from deliver.helpers import MailHandler, MailSink, add_news, add_reader
from pytest_httpserver import HTTPServer

from aube.clock import fixed_clock
from aube.config import Settings, load_settings
from aube.deliver import service
from aube.pipeline.editions import editions
from aube.pipeline.worker import PERSONAL_KINDS, SHARED_KINDS, Worker, lifespan_task
from aube.store import Store
from aube.store.db import make_engine

REPO = Path(__file__).resolve().parents[2]
DAY = datetime(2026, 11, 28, tzinfo=UTC)


class MovingClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def settings_for(sink: MailSink, tmp_path: Path, **more: object) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", embed_backend="hashing", **sink.settings(**more)
    )


def by_recipient(sink: MailSink) -> Counter[str]:
    return Counter(r for got in sink.handler.messages() for r in got.recipients)


def test_a_day_across_time_zones_each_on_time_and_once(tmp_path: Path) -> None:
    with MailSink() as sink:
        settings = settings_for(sink, tmp_path, edition_lead_minutes=30)
        store = Store.open(settings)
        start = DAY - timedelta(hours=12)  # 27 Nov, 12:00 UTC
        add_news(store, settings, start)
        zones = {
            "tokyo": "Asia/Tokyo",
            "paris": "Europe/Paris",
            "newyork": "America/New_York",
            "kolkata": "Asia/Kolkata",
        }
        users = {
            h: add_reader(store, settings, h, start - timedelta(days=3), timezone=tz)
            for h, tz in zones.items()
        }
        for u in users.values():
            service.enable_email(store, settings, u, now=start)
        clock = MovingClock(start)
        worker = Worker(store, settings, clock)
        while clock.at <= DAY + timedelta(hours=18):
            worker.run_once(kinds=PERSONAL_KINDS)
            clock.at += timedelta(minutes=15)
            if clock.at == DAY - timedelta(hours=4):  # the evening's news, for the next morning
                add_news(store, settings, clock.at, tag="evening")
        sink.wait_for(8)

        received = Counter(
            (got.recipients[0], got.message["Subject"].split(":")[0])
            for got in sink.handler.messages()
        )
        assert set(received.values()) == {1}, "an edition was sent twice"
        for handle, u in users.items():
            morning = datetime(2026, 11, 28, 7, 0, tzinfo=ZoneInfo(u.timezone))
            (d,) = store.list_deliveries(user_id=u.id, date="2026-11-28")
            assert d.status == "sent" and d.attempts == 1
            assert morning <= d.sent_at < morning + timedelta(minutes=15), handle  # on time
            edition = store.get_edition(u.id, "2026-11-28")
            assert edition is not None and edition.cards
            assert edition.created_at <= morning - timedelta(minutes=15)  # built ahead
            # 27 November: sent late at the first tick where the morning had passed, or on time.
            (late,) = store.list_deliveries(user_id=u.id, date="2026-11-27")
            assert late.status == "sent"
        store.close()


def test_after_downtime_today_goes_out_late_and_yesterday_never(tmp_path: Path) -> None:
    with MailSink() as sink:
        settings = settings_for(sink, tmp_path)
        store = Store.open(settings)
        now = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # 15:00 in New York
        add_news(store, settings, now - timedelta(hours=10))  # the night's news, before 07:00 there
        u = add_reader(
            store, settings, "nina", now - timedelta(days=5), timezone="America/New_York"
        )
        channel = service.enable_email(store, settings, u, now=now - timedelta(days=2))
        # Yesterday a delivery failed and was waiting for its retry when the worker went down.
        yesterday = now - timedelta(days=1)
        claim = store.claim_delivery(
            user_id=u.id,
            channel_id=channel.id,
            kind="email",
            date="2026-11-27",
            edition_id=None,
            worker="old",
            now=yesterday,
            lease_until=yesterday + timedelta(minutes=5),
        )
        assert claim is not None
        store.finish_delivery(
            claim.id,
            worker="old",
            now=yesterday,
            status="retry",
            error="451 try later",
            next_attempt_at=yesterday + timedelta(minutes=1),
        )

        report = Worker(store, settings, fixed_clock(now)).run_once(kinds=PERSONAL_KINDS)
        assert report.counts["sent"] == 1 and report.counts["expired"] == 1
        assert report.late == [8 * 3600.0]  # due at 07:00 local, sent at 15:00
        (got,) = sink.wait_for(1)
        assert "Saturday 28 November" in got.message["Subject"]
        old = store.get_delivery(claim.id)
        assert old.status == "failed" and "never sent" in (old.error or "")
        assert store.get_edition(u.id, "2026-11-27") is None  # a past day is not even built
        again = Worker(store, settings, fixed_clock(now + timedelta(hours=1))).run_once(
            kinds=PERSONAL_KINDS
        )
        assert again.jobs == 0 and len(sink.handler.messages()) == 1
        store.close()


def test_failures_are_retried_with_backoff_and_block_no_one(tmp_path: Path) -> None:
    handler = MailHandler(refuse={"carol@mail.example"})
    busy = {"ada@mail.example"}
    original = handler.handle_RCPT

    async def rcpt(server, session, envelope, address, options):  # a mailbox over quota today
        if address in busy:
            return "452 4.2.2 mailbox full, try again later"
        return await original(server, session, envelope, address, options)

    handler.handle_RCPT = rcpt  # type: ignore[method-assign]
    with MailSink(handler) as sink:
        settings = settings_for(
            sink,
            tmp_path,
            delivery_backoff_seconds=60,
            delivery_backoff_max_seconds=600,
            delivery_retries=3,
        )
        store = Store.open(settings)
        t0 = DAY + timedelta(hours=7)
        add_news(store, settings, t0 - timedelta(hours=1))
        people = {
            h: add_reader(store, settings, h, t0 - timedelta(days=2))
            for h in ("ada", "bob", "carol")
        }
        for u in people.values():
            service.enable_email(store, settings, u, now=t0)
        clock = MovingClock(t0)
        worker = Worker(store, settings, clock)

        first = worker.run_once(kinds=PERSONAL_KINDS)
        assert (first.counts["sent"], first.counts["retry"], first.counts["failed"]) == (1, 1, 1)
        assert by_recipient(sink) == {"bob@mail.example": 1}  # the others did not hold bob up

        (ada,) = store.list_deliveries(user_id=people["ada"].id)
        assert ada.status == "retry" and ada.attempts == 1 and "452" in (ada.error or "")
        assert timedelta(seconds=54) <= ada.next_attempt_at - t0 <= timedelta(seconds=66)
        (carol,) = store.list_deliveries(user_id=people["carol"].id)
        assert carol.status == "failed" and "550" in (carol.error or "")  # refused for good

        clock.at = t0 + timedelta(seconds=30)
        assert worker.run_once(kinds=PERSONAL_KINDS).jobs == 0  # not yet
        clock.at = t0 + timedelta(seconds=70)
        assert worker.run_once(kinds=PERSONAL_KINDS).counts["retry"] == 1
        ada = store.get_delivery(ada.id)
        assert ada.attempts == 2
        assert timedelta(seconds=108) <= ada.next_attempt_at - clock.at <= timedelta(seconds=132)

        busy.clear()  # the mailbox has room again
        clock.at = ada.next_attempt_at
        assert worker.run_once(kinds=PERSONAL_KINDS).counts["sent"] == 1
        assert by_recipient(sink) == {"bob@mail.example": 1, "ada@mail.example": 1}
        assert (
            store.get_delivery(ada.id).status == "sent" and store.get_delivery(ada.id).error is None
        )
        # Every tick that delivered is a recorded run; failures make it "partial".
        runs = store.list_runs(job="deliver")
        assert [r.status for r in runs][-1] == "partial" and runs[0].status == "ok"
        store.close()


def test_giving_up_after_the_last_retry(tmp_path: Path) -> None:
    with MailSink(MailHandler(refuse=set())) as sink:
        settings = settings_for(sink, tmp_path, delivery_retries=1, delivery_backoff_seconds=10)
        store = Store.open(settings)
        t0 = DAY + timedelta(hours=8)
        add_news(store, settings, t0 - timedelta(hours=1))
        u = add_reader(store, settings, "ada", t0 - timedelta(days=1))
        service.enable_email(store, settings, u, now=t0)
    # The server is gone now: every try fails to connect.
    clock = MovingClock(t0)
    worker = Worker(store, settings, clock)
    assert worker.run_once(kinds=PERSONAL_KINDS).counts["retry"] == 1
    clock.at += timedelta(seconds=30)
    assert worker.run_once(kinds=PERSONAL_KINDS).counts["failed"] == 1
    (d,) = store.list_deliveries(user_id=u.id)
    assert d.status == "failed" and d.attempts == 2 and d.error.startswith("gave up after 2 tries")
    store.close()


def test_an_edition_with_no_cards_is_skipped_unless_asked(tmp_path: Path) -> None:
    with MailSink() as sink:
        now = DAY + timedelta(hours=9)
        for send_empty in (False, True):
            settings = settings_for(
                sink, tmp_path / str(send_empty), delivery_send_empty=send_empty
            )
            store = Store.open(settings)  # no news at all
            u = add_reader(store, settings, "ada", now - timedelta(days=1))
            service.enable_email(store, settings, u, now=now)
            report = Worker(store, settings, fixed_clock(now)).run_once(kinds=PERSONAL_KINDS)
            (d,) = store.list_deliveries(user_id=u.id)
            assert d.status == ("sent" if send_empty else "skipped")
            assert report.counts[d.status] == 1
            store.close()
        (got,) = sink.wait_for(1)
        assert "Nothing today matched" in got.message.get_body(("plain",)).get_content()


def test_leases_take_over_a_dead_claim_and_never_resend_a_dead_send(tmp_path: Path) -> None:
    with MailSink() as sink:
        settings = settings_for(sink, tmp_path, delivery_lease_seconds=60)
        store = Store.open(settings)
        t0 = DAY + timedelta(hours=7)
        add_news(store, settings, t0 - timedelta(hours=1))
        a, b = (add_reader(store, settings, h, t0 - timedelta(days=1)) for h in ("ada", "bob"))
        ca, cb = (service.enable_email(store, settings, u, now=t0) for u in (a, b))
        editions(store, settings, clock=fixed_clock(t0))
        lease = t0 + timedelta(seconds=60)
        # A worker claimed ada's delivery and died before sending anything…
        dead_a = store.claim_delivery(
            user_id=a.id,
            channel_id=ca.id,
            kind="email",
            date="2026-11-28",
            edition_id=None,
            worker="dead",
            now=t0,
            lease_until=lease,
        )
        # …and bob's, and died while sending it (it may have left).
        dead_b = store.claim_delivery(
            user_id=b.id,
            channel_id=cb.id,
            kind="email",
            date="2026-11-28",
            edition_id=None,
            worker="dead",
            now=t0,
            lease_until=lease,
        )
        assert (
            dead_a
            and dead_b
            and store.begin_sending(dead_b.id, worker="dead", now=t0, lease_until=lease)
        )

        clock = MovingClock(t0 + timedelta(seconds=30))
        worker = Worker(store, settings, clock)
        assert worker.run_once(kinds=PERSONAL_KINDS).jobs == 0  # leases still held
        clock.at = t0 + timedelta(seconds=61)
        report = worker.run_once(kinds=PERSONAL_KINDS)
        assert report.counts["sent"] == 1 and report.counts["settled_unknown"] == 1
        assert by_recipient(sink) == {"ada@mail.example": 1}
        unknown = store.get_delivery(dead_b.id)
        assert unknown.status == "unknown" and "perhaps delivered" in (unknown.error or "")
        # The dead worker, back from a long pause, cannot step in any more.
        assert not store.begin_sending(dead_a.id, worker="dead", now=clock.at, lease_until=lease)
        assert not store.finish_delivery(dead_b.id, worker="dead", now=clock.at, status="sent")
        # Nothing is resent by itself…
        clock.at += timedelta(hours=1)
        assert worker.run_once(kinds=PERSONAL_KINDS).jobs == 0
        # …until a person decides to.
        store.resend_delivery(dead_b.id, now=clock.at)
        assert worker.run_once(kinds=PERSONAL_KINDS).counts["sent"] == 1
        assert by_recipient(sink) == {"ada@mail.example": 1, "bob@mail.example": 1}
        store.close()


def test_two_workers_at_once_never_send_twice(any_store: Store, tmp_path: Path) -> None:
    url = any_store.engine.url.render_as_string(hide_password=False)
    with MailSink(MailHandler(delay=0.02)) as sink:
        settings = load_settings(
            data_dir=tmp_path / "data",
            database_url=url,
            embed_backend="hashing",
            worker_concurrency=4,
            **sink.settings(),
        )
        t0 = DAY + timedelta(hours=7, minutes=1)
        add_news(any_store, settings, t0 - timedelta(hours=1))
        people = [
            add_reader(any_store, settings, f"user{n}", t0 - timedelta(days=1)) for n in range(24)
        ]
        for u in people:
            service.enable_email(any_store, settings, u, now=t0)
            service.create_feed(any_store, u, now=t0)
        editions(any_store, settings, clock=fixed_clock(t0))

        stores = [Store(make_engine(url)) for _ in range(2)]  # as two processes would
        workers = [
            Worker(s, settings, fixed_clock(t0), name=f"worker-{n}") for n, s in enumerate(stores)
        ]
        reports = [None, None]
        go = threading.Barrier(2)

        def run(n: int) -> None:
            go.wait()
            reports[n] = workers[n].run_once(kinds=PERSONAL_KINDS)

        threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for w in workers:  # a second round finds nothing left to do
            assert w.run_once(kinds=PERSONAL_KINDS).jobs == 0
        for s in stores:
            s.close()
        got = sink.wait_for(len(people))
    ids = Counter(g.message["Message-ID"] for g in got)
    assert len(got) == len(people) and set(ids.values()) == {1}
    assert by_recipient(sink) == Counter({f"user{n}@mail.example": 1 for n in range(24)})
    assert sum(r.counts["sent"] for r in reports) == 2 * len(people)  # emails and feeds
    assert all(not r.errors for r in reports)
    assert any_store.count_deliveries() == {"sent": 2 * len(people)}


def test_shared_work_runs_every_interval(tmp_path: Path) -> None:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        now = DAY + timedelta(hours=3)
        item = (
            "<item><title>Rust 2027 edition ships</title><link>https://r.example/1</link>"
            "<guid>r1</guid><description>The Rust project released its 2027 edition today."
            "</description><pubDate>Sat, 28 Nov 2026 02:00:00 GMT</pubDate></item>"
        )
        server.expect_request("/feed.xml").respond_with_data(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>{item}</channel></rss>',
            content_type="application/rss+xml",
        )
        settings = load_settings(
            data_dir=tmp_path / "data",
            embed_backend="hashing",
            fetch_allow_networks=["127.0.0.0/8"],
            ingest_interval_minutes=60,
            ingest_full_text="never",
        )
        store = Store.open(settings)
        store.add_source(server.url_for("/feed.xml"), now=now)
        clock = MovingClock(now)
        worker = Worker(store, settings, clock)
        first = worker.run_once(kinds=SHARED_KINDS)
        assert first.counts["ingested_items"] == 1 and first.counts["stories_changed"] == 1
        assert store.count_stories() == 1
        clock.at = now + timedelta(minutes=59)
        assert worker.run_once(kinds=SHARED_KINDS).jobs == 0
        clock.at = now + timedelta(minutes=60)
        assert worker.run_once(kinds=SHARED_KINDS).jobs == 2
        assert [r.job for r in store.list_runs(limit=10)].count("ingest") == 2
        store.close()
    finally:
        server.stop()


def test_runs_beside_a_web_app(tmp_path: Path) -> None:
    """``lifespan_task``: what ``aube serve`` runs in the app's lifespan, until cancelled."""
    with MailSink() as sink:
        settings = settings_for(sink, tmp_path, worker_tick_seconds=0.05)
        store = Store.open(settings)
        now = datetime.now(UTC)
        add_news(store, settings, now - timedelta(hours=30))
        for job in ("ingest", "stories"):
            store.finish_run(store.start_run(job, now=now), now=now, status="ok", counts={})
        service.enable_email(
            store,
            settings,
            add_reader(store, settings, "ada", now - timedelta(days=1), morning="00:00"),
            now=now,
        )

        async def serve() -> None:
            task = asyncio.create_task(lifespan_task(store, settings))
            for _ in range(400):
                if sink.handler.messages():
                    break
                await asyncio.sleep(0.05)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        asyncio.run(serve())
        assert len(sink.handler.messages()) == 1
        store.close()


# -- kill -9 in the middle of a run


def _zones_awake(now: datetime, count: int) -> list[str]:
    """Time zones where it is now between 01:00 and 22:00, so a 00:00 morning has passed today
    and the day does not end during the test."""
    candidates = [
        "UTC",
        "Europe/Paris",
        "Europe/Helsinki",
        "Asia/Kolkata",
        "Asia/Tokyo",
        "Australia/Sydney",
        "Pacific/Auckland",
        "America/Sao_Paulo",
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "Pacific/Honolulu",
        "Asia/Dubai",
    ]
    awake = [z for z in candidates if 1 <= now.astimezone(ZoneInfo(z)).hour < 22]
    return [awake[n % len(awake)] for n in range(count)]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_killed_mid_run_and_restarted_nothing_is_sent_twice(tmp_path: Path) -> None:
    users, concurrency = 60, 4
    handler = MailHandler(delay=0.12)
    with MailSink(handler) as sink:
        settings = load_settings(
            data_dir=tmp_path / "data", embed_backend="hashing", **sink.settings()
        )
        store = Store.open(settings)
        now = datetime.now(UTC)
        # Yesterday's news: before every reader's local midnight, within the edition window.
        add_news(store, settings, now - timedelta(hours=24))
        for job in ("ingest", "stories"):  # the shared work is done: this test is about deliveries
            store.finish_run(store.start_run(job, now=now), now=now, status="ok", counts={})
        for n, zone in enumerate(_zones_awake(now, users)):
            u = add_reader(
                store,
                settings,
                f"reader{n}",
                now - timedelta(days=1),
                timezone=zone,
                morning="00:00",
            )
            service.enable_email(store, settings, u, now=now)
        store.close()

        env = {
            **os.environ,
            "AUBE_DATA_DIR": str(tmp_path / "data"),
            "AUBE_EMBED_BACKEND": "hashing",
            "AUBE_SMTP_HOST": "127.0.0.1",
            "AUBE_SMTP_PORT": str(sink.port),
            "AUBE_SMTP_SECURITY": "none",
            "AUBE_MAIL_FROM": "Aube <briefing@aube.example>",
            "AUBE_WORKER_TICK_SECONDS": "0.2",
            "AUBE_WORKER_CONCURRENCY": str(concurrency),
            "AUBE_DELIVERY_LEASE_SECONDS": "3",
            "AUBE_INGEST_INTERVAL_MINUTES": "1440",
        }
        command = [sys.executable, "-c", "from aube.cli import main; main()", "worker"]

        logs = []

        def start(name: str) -> subprocess.Popen:
            logs.append((tmp_path / f"{name}.log").open("w"))
            return subprocess.Popen(
                command, env=env, cwd=REPO, stdout=logs[-1], stderr=subprocess.STDOUT
            )

        first = start("first")
        deadline = time.monotonic() + 90
        while len(handler.messages()) < 10 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)  # no goodbye: claims and sends are left mid-way
        first.wait(10)
        at_kill = len(handler.messages())
        assert 10 <= at_kill < users, (tmp_path / "first.log").read_text()

        second = start("second")
        store = Store.open(settings)
        deadline = time.monotonic() + 90
        try:
            while time.monotonic() < deadline:
                counts = store.count_deliveries()
                if counts.get("sent", 0) + counts.get("unknown", 0) == users:
                    break
                time.sleep(0.1)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
        time.sleep(0.3)  # any message still in flight lands
        received = handler.messages()
        for log_file in logs:
            log_file.close()

    deliveries = store.list_deliveries(limit=1000)
    store.close()
    log = (tmp_path / "second.log").read_text()
    assert len(deliveries) == users, log
    message_ids = Counter(g.message["Message-ID"] for g in received)
    recipients = Counter(g.recipients[0] for g in received)
    assert set(message_ids.values()) == {1}, "a message was sent twice"
    assert set(recipients.values()) == {1}, "a reader got two editions"
    sent = {d.detail for d in deliveries if d.status == "sent"}
    unknown = [d for d in deliveries if d.status == "unknown"]
    # Every delivery is sent, or "perhaps sent": only those in flight at the kill, at most
    # one per connection, and the restarted worker did not send them again.
    assert {d.status for d in deliveries} <= {"sent", "unknown"}
    assert len(unknown) <= concurrency
    assert sent <= set(message_ids)
    assert len(received) == len(sent) + sum(
        f"<aube.{d.date}.{d.id}@aube.example>" in message_ids for d in unknown
    )
    assert len(received) > at_kill  # the second worker finished the job
