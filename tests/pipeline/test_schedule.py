"""What is due when: the pure schedule, with fixed clocks, across time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from aube.config import Settings, load_settings
from aube.pipeline.schedule import Job, Records, day_jobs, due_jobs, morning_at
from aube.store import ChannelRecord, DeliveryRecord
from aube.types import User

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def cfg(tmp_path) -> Settings:
    return load_settings(data_dir=tmp_path, ingest_interval_minutes=60, edition_lead_minutes=30)


def user(uid: int, tz: str = "UTC", morning: str = "07:00") -> User:
    return User(
        id=uid,
        handle=f"u{uid}",
        display_name=f"U{uid}",
        email=f"u{uid}@x.example",
        timezone=tz,
        language="en",
        edition_size=5,
        morning_time=morning,
        is_admin=False,
        created_at=T0,
    )


def channel(cid: int, uid: int, kind: str = "email", enabled: bool = True) -> ChannelRecord:
    return ChannelRecord(
        id=cid,
        user_id=uid,
        kind=kind,
        target="",
        enabled=enabled,
        has_feed_token=kind == "atom",
        unsubscribe_token=None,
        created_at=T0,
        updated_at=T0,
    )


def delivery(
    cid: int,
    uid: int,
    day: str,
    status: str,
    *,
    next_at: datetime | None = None,
    lease: datetime | None = None,
    did: int = 1,
) -> DeliveryRecord:
    return DeliveryRecord(
        id=did,
        user_id=uid,
        channel_id=cid,
        kind="email",
        date=day,
        edition_id=1,
        status=status,
        attempts=1,
        worker="w",
        lease_until=lease,
        next_attempt_at=next_at,
        created_at=T0,
        updated_at=T0,
        sent_at=None,
        error=None,
        detail=None,
    )


def ran_recently(now: datetime) -> dict:
    """Records where the shared work ran a minute ago (so only personal jobs are due)."""
    return {
        "last_ingest": (now - timedelta(minutes=1), now - timedelta(seconds=30)),
        "last_stories": (now - timedelta(seconds=20), now),
    }


def kinds(jobs: list[Job], kind: str) -> list[tuple]:
    return [(j.user_id, j.date, j.channel_id) for j in jobs if j.kind == kind]


# -- the shared work


def test_ingest_runs_every_interval_and_stories_follow(cfg: Settings) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    first = due_jobs(now, [], cfg, Records())
    assert [j.kind for j in first] == ["ingest", "stories"]

    just_ran = Records(
        last_ingest=(now - timedelta(minutes=59), now - timedelta(minutes=58)),
        last_stories=(now - timedelta(minutes=58), now - timedelta(minutes=57)),
    )
    assert due_jobs(now, [], cfg, just_ran) == []
    an_hour = Records(
        last_ingest=(now - timedelta(minutes=60), now - timedelta(minutes=58)),
        last_stories=just_ran.last_stories,
    )
    assert [j.kind for j in due_jobs(now, [], cfg, an_hour)] == ["ingest", "stories"]

    # An ingest finished (by another worker) after the last stories run began: stories only.
    behind = Records(
        last_ingest=(now - timedelta(minutes=10), now - timedelta(minutes=5)),
        last_stories=(now - timedelta(minutes=50), now - timedelta(minutes=49)),
    )
    assert [j.kind for j in due_jobs(now, [], cfg, behind)] == ["stories"]


# -- editions and deliveries across time zones


def test_each_user_is_served_at_their_own_morning(cfg: Settings) -> None:
    tokyo, paris, new_york = (
        user(1, "Asia/Tokyo"),
        user(2, "Europe/Paris"),
        user(3, "America/New_York"),
    )
    kathmandu = user(4, "Asia/Kathmandu", "06:15")  # UTC+05:45
    users = [tokyo, paris, new_york, kathmandu]
    channels = {u.id: [channel(10 + u.id, u.id)] for u in users}
    # Everyone's 14 June is done.
    yesterday = {(u.id, "2026-06-14"): (u.id, 5) for u in users}
    sent = [delivery(10 + u.id, u.id, "2026-06-14", "sent") for u in users]

    def due(now: datetime) -> tuple[list, list]:
        jobs = due_jobs(
            now,
            users,
            cfg,
            Records(editions=yesterday, channels=channels, deliveries=sent, **ran_recently(now)),
        )
        return kinds(jobs, "edition"), kinds(jobs, "deliver")

    # 21:29 UTC on 14 June = 06:29 in Tokyo (UTC+9): too early even for the edition.
    assert due(datetime(2026, 6, 14, 21, 29, tzinfo=UTC)) == ([], [])
    # 21:30 UTC: Tokyo's edition is due (30 minutes ahead), not its delivery yet.
    assert due(datetime(2026, 6, 14, 21, 30, tzinfo=UTC)) == ([(1, "2026-06-15", None)], [])
    # 22:00 UTC = 07:00 in Tokyo: delivery due.
    assert due(datetime(2026, 6, 14, 22, 0, tzinfo=UTC))[1] == [(1, "2026-06-15", 11)]
    # 00:30 UTC = 06:15 in Kathmandu (UTC+05:45): its morning.
    eds, dels = due(datetime(2026, 6, 15, 0, 30, tzinfo=UTC))
    assert (4, "2026-06-15", 14) in dels and (4, "2026-06-15", None) in eds
    # Paris in summer is UTC+2: its morning is 05:00 UTC; New York (UTC-4) 11:00 UTC.
    assert (2, "2026-06-15", 12) not in due(datetime(2026, 6, 15, 4, 59, tzinfo=UTC))[1]
    assert (2, "2026-06-15", 12) in due(datetime(2026, 6, 15, 5, 0, tzinfo=UTC))[1]
    assert (3, "2026-06-15", None) in due(datetime(2026, 6, 15, 10, 30, tzinfo=UTC))[0]
    assert (3, "2026-06-15", 13) not in due(datetime(2026, 6, 15, 10, 59, tzinfo=UTC))[1]
    assert (3, "2026-06-15", 13) in due(datetime(2026, 6, 15, 11, 0, tzinfo=UTC))[1]


def test_built_and_sent_are_never_due_again(cfg: Settings) -> None:
    u = user(1, "Europe/Paris")
    now = datetime(2026, 6, 15, 5, 10, tzinfo=UTC)
    done = Records(
        editions={(1, "2026-06-15"): (7, 5)},
        channels={1: [channel(11, 1)]},
        deliveries=[delivery(11, 1, "2026-06-15", "sent")],
        **ran_recently(now),
    )
    assert due_jobs(now, [u], cfg, done) == []
    for status in ("failed", "unknown", "skipped", "sending"):
        rec = delivery(11, 1, "2026-06-15", status, lease=now + timedelta(minutes=5))
        assert (
            due_jobs(
                now,
                [u],
                cfg,
                Records(
                    editions=done.editions,
                    channels=done.channels,
                    deliveries=[rec],
                    **ran_recently(now),
                ),
            )
            == []
        )


def test_disabled_channels_and_channel_less_users_get_only_their_edition(cfg: Settings) -> None:
    a, b = user(1), user(2)
    now = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)
    jobs = due_jobs(
        now,
        [a, b],
        cfg,
        Records(channels={1: [channel(11, 1, enabled=False)]}, **ran_recently(now)),
    )
    assert kinds(jobs, "deliver") == []
    assert kinds(jobs, "edition") == [(1, "2026-06-15", None), (2, "2026-06-15", None)]


def test_lead_time_across_midnight_builds_tomorrows_edition(cfg: Settings) -> None:
    night_owl = user(1, "Europe/Paris", "00:15")  # built at 23:45 the evening before
    before = datetime(2026, 1, 10, 22, 44, tzinfo=UTC)  # 23:44 in Paris (UTC+1)
    after = datetime(2026, 1, 10, 22, 45, tzinfo=UTC)
    today_built = {(1, "2026-01-10"): (1, 3)}
    rec = Records(
        editions=today_built,
        channels={1: [channel(11, 1)]},
        deliveries=[delivery(11, 1, "2026-01-10", "sent")],
        **ran_recently(before),
    )
    assert due_jobs(before, [night_owl], cfg, rec) == []
    assert kinds(due_jobs(after, [night_owl], cfg, rec), "edition") == [(1, "2026-01-11", None)]
    assert kinds(due_jobs(after, [night_owl], cfg, rec), "deliver") == []


def test_after_downtime_today_is_sent_late_and_a_past_day_never(cfg: Settings) -> None:
    u = user(1, "America/New_York")
    # The worker was down from yesterday morning; it is now 15:00 in New York (UTC-5).
    now = datetime(2026, 1, 20, 20, 0, tzinfo=UTC)
    rec = Records(
        channels={1: [channel(11, 1)]},
        deliveries=[delivery(11, 1, "2026-01-19", "retry", next_at=now - timedelta(days=1), did=5)],
        **ran_recently(now),
    )
    jobs = due_jobs(now, [u], cfg, rec)
    assert kinds(jobs, "edition") == [(1, "2026-01-20", None)]  # not yesterday's
    deliver = [j for j in jobs if j.kind == "deliver"]
    assert [(j.date, j.channel_id) for j in deliver] == [("2026-01-20", 11)]
    assert deliver[0].due_at == datetime(2026, 1, 20, 12, 0, tzinfo=UTC)  # its lateness is known
    # Yesterday's pending retry is given up, not sent.
    assert [(j.kind, j.delivery_id) for j in jobs if j.kind == "expire"] == [("expire", 5)]
    assert [j.kind for j in jobs][:1] == ["expire"]  # housekeeping comes first


# -- daylight saving time


def test_a_morning_in_the_skipped_hour_lands_just_after_the_jump(cfg: Settings) -> None:
    # 29 March 2026: Paris jumps from 02:00 to 03:00. 02:30 does not exist that day.
    u = user(1, "Europe/Paris", "02:30")
    assert morning_at(u, date(2026, 3, 28)) == datetime(2026, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert morning_at(u, date(2026, 3, 29)) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )  # 03:30 CEST
    assert morning_at(u, date(2026, 3, 30)) == datetime(
        2026, 3, 30, 0, 30, tzinfo=UTC
    )  # 02:30 CEST
    rec = Records(editions={(1, "2026-03-29"): (1, 3)}, channels={1: [channel(11, 1)]})
    early = datetime(2026, 3, 29, 1, 29, tzinfo=UTC)
    on_time = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert (
        kinds(due_jobs(early, [u], cfg, Records(**vars(rec) | ran_recently(early))), "deliver")
        == []
    )
    assert kinds(
        due_jobs(on_time, [u], cfg, Records(**vars(rec) | ran_recently(on_time))), "deliver"
    ) == [(1, "2026-03-29", 11)]
    # New York's jump (8 March 2026, 02:00 → 03:00): 02:15 becomes 03:15 EDT = 07:15 UTC.
    assert morning_at(user(2, "America/New_York", "02:15"), date(2026, 3, 8)) == datetime(
        2026, 3, 8, 7, 15, tzinfo=UTC
    )


def test_a_repeated_morning_is_served_once_at_its_first_occurrence(cfg: Settings) -> None:
    # 25 October 2026: Paris goes back from 03:00 to 02:00; 02:30 happens twice.
    u = user(1, "Europe/Paris", "02:30")
    first, second = (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    assert morning_at(u, date(2026, 10, 25)) == first
    base = {"editions": {(1, "2026-10-25"): (1, 3)}, "channels": {1: [channel(11, 1)]}}
    assert kinds(due_jobs(first, [u], cfg, Records(**base, **ran_recently(first))), "deliver") == [
        (1, "2026-10-25", 11)
    ]
    sent = Records(
        **base, deliveries=[delivery(11, 1, "2026-10-25", "sent")], **ran_recently(second)
    )
    assert due_jobs(second, [u], cfg, sent) == []  # the second 02:30 sends nothing
    # The day is 25 hours long; the next morning is back to 01:30 UTC (02:30 CET).
    assert morning_at(u, date(2026, 10, 26)) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_the_local_day_follows_the_zone_not_utc(cfg: Settings) -> None:
    # 23:30 UTC on 31 December is already 1 January in Auckland (UTC+13 in summer).
    u = user(1, "Pacific/Auckland", "07:00")
    now = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)  # 07:00 on 1 January 2027 in Auckland
    jobs = due_jobs(now, [u], cfg, Records(channels={1: [channel(11, 1)]}, **ran_recently(now)))
    assert kinds(jobs, "deliver") == [(1, "2027-01-01", 11)]


# -- retries, leases, abandoned sends


def test_a_retry_is_due_at_its_time(cfg: Settings) -> None:
    u = user(1)
    now = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
    base = {"editions": {(1, "2026-06-15"): (1, 3)}, "channels": {1: [channel(11, 1)]}}
    later = delivery(11, 1, "2026-06-15", "retry", next_at=now + timedelta(seconds=1), did=9)
    ready = delivery(11, 1, "2026-06-15", "retry", next_at=now, did=9)
    assert (
        kinds(
            due_jobs(now, [u], cfg, Records(**base, deliveries=[later], **ran_recently(now))),
            "deliver",
        )
        == []
    )
    jobs = due_jobs(now, [u], cfg, Records(**base, deliveries=[ready], **ran_recently(now)))
    assert [(j.kind, j.delivery_id) for j in jobs] == [("deliver", 9)]


def test_leases_decide_between_not_started_and_perhaps_sent(cfg: Settings) -> None:
    u = user(1)
    now = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
    base = {
        "editions": {(1, "2026-06-15"): (1, 3)},
        "channels": {1: [channel(11, 1)]},
        **ran_recently(now),
    }
    held = delivery(11, 1, "2026-06-15", "claimed", lease=now + timedelta(minutes=1), did=3)
    assert due_jobs(now, [u], cfg, Records(**base, deliveries=[held])) == []
    # A claim whose worker died before sending anything: taken over.
    dead_claim = delivery(11, 1, "2026-06-15", "claimed", lease=now - timedelta(seconds=1), did=3)
    jobs = due_jobs(now, [u], cfg, Records(**base, deliveries=[dead_claim]))
    assert [(j.kind, j.delivery_id) for j in jobs] == [("deliver", 3)]
    # A send whose worker died mid-way: settled as "unknown", never sent again.
    dead_send = delivery(11, 1, "2026-06-15", "sending", lease=now - timedelta(seconds=1), did=3)
    jobs = due_jobs(now, [u], cfg, Records(**base, deliveries=[dead_send]))
    assert [(j.kind, j.delivery_id) for j in jobs] == [("settle", 3)]
    alive_send = delivery(11, 1, "2026-06-15", "sending", lease=now + timedelta(seconds=1), did=3)
    assert due_jobs(now, [u], cfg, Records(**base, deliveries=[alive_send])) == []


# -- aube run --user U --date D


def test_run_for_a_day_ignores_the_hour_but_not_the_day(cfg: Settings) -> None:
    u = user(1, "Europe/Paris", "07:00")
    now = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 05:00 in Paris: before the morning
    rec = Records(
        channels={1: [channel(11, 1), channel(12, 1, "atom")]},
        deliveries=[delivery(12, 1, "2026-06-15", "sent")],
    )
    jobs = day_jobs(now, u, date(2026, 6, 15), cfg, rec)
    assert [(j.kind, j.channel_id) for j in jobs] == [("edition", None), ("deliver", 11)]
    assert day_jobs(now, u, date(2026, 6, 14), cfg, rec) == []  # a past day: nothing
    future = day_jobs(now, u, date(2026, 6, 16), cfg, rec)
    assert [j.kind for j in future] == ["edition"]  # built, not sent
