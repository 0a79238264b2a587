"""What is due now: a pure function of the clock, the settings and the records.

Every job the worker runs comes from :func:`due_jobs`; nothing here reads the database, the
network or the system clock, so every rule is tested with fixed clocks.

- **ingest** every ``ingest_interval_minutes`` (counted from the last ingest's start), and
  **stories** (the shared clustering and summaries) right after an ingest.
- **edition** for each user and local day from ``edition_lead_minutes`` before their morning
  time; at most one edition per user and day exists, so a built one is never due again.
- **deliver** on each enabled channel from the user's morning time, on their local *today*
  only: after downtime, today's edition is built and sent late; a past day's is never sent.
  A failed delivery is due again at its ``next_attempt_at``.
- **settle** a send whose worker stopped mid-way (its lease ran out): perhaps delivered, so
  it becomes ``unknown`` and is never resent; **expire** a retry left over from a past day.

Time zones: the morning time is the user's wall clock. On a spring-forward day a morning time
that does not exist (02:30 in a skipped hour) is taken as the same distance past the
transition (03:30); on a fall-back day a time that occurs twice is the first occurrence. The
(channel, day) delivery is unique in the store, so a repeated hour can never send twice.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from aube.config import Settings
from aube.store import ChannelRecord, DeliveryRecord
from aube.types import User

JobKind = Literal["settle", "expire", "ingest", "stories", "edition", "deliver"]
ORDER: dict[str, int] = {
    k: i for i, k in enumerate(("settle", "expire", "ingest", "stories", "edition", "deliver"))
}


@dataclass(frozen=True)
class Job:
    """One thing to do now. ``due_at`` is when it became due (how late it is, is now - due_at)."""

    kind: JobKind
    due_at: datetime
    user_id: int | None = None
    date: str | None = None
    channel_id: int | None = None
    delivery_id: int | None = None


@dataclass(frozen=True)
class Records:
    """What the schedule needs to know of the store (see ``load_records`` in the worker)."""

    last_ingest: tuple[datetime, datetime | None] | None = None  # (started, finished)
    last_stories: tuple[datetime, datetime | None] | None = None
    editions: Mapping[tuple[int, str], object] = field(default_factory=dict)  # (user, day) → …
    channels: Mapping[int, Sequence[ChannelRecord]] = field(default_factory=dict)  # enabled ones
    deliveries: Sequence[DeliveryRecord] = ()  # unfinished: claimed, sending, retry
    finished: Collection[tuple[int, str]] = frozenset()  # (channel, day) sent, failed, …


def local_day(user: User, now: datetime) -> date:
    return now.astimezone(ZoneInfo(user.timezone)).date()


def morning_at(user: User, day: date) -> datetime:
    """The UTC instant of the user's morning time on their local ``day`` (DST: see module)."""
    return _morning(user.timezone, user.morning_time, day)


@functools.lru_cache(maxsize=8192)
def _morning(timezone: str, morning_time: str, day: date) -> datetime:
    # Users share a few (zone, morning) pairs, so ten thousand users cost a few hundred of these.
    hour, minute = (int(x) for x in morning_time.split(":"))
    # fold=0: a skipped wall time is read with the offset before the jump (so it lands after
    # it, by the size of the gap); a repeated one is its first occurrence.
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def candidate_days(users: Sequence[User], now: datetime) -> list[str]:
    """The local days the schedule can act on: each user's today and tomorrow."""
    days: set[str] = set()
    for user in users:
        today = local_day(user, now)
        days.update((today.isoformat(), (today + timedelta(days=1)).isoformat()))
    return sorted(days)


def due_jobs(
    now: datetime, users: Sequence[User], settings: Settings, records: Records
) -> list[Job]:
    """Every job due at ``now``, settle/expire first, then the shared work, editions, and
    deliveries (the most overdue first)."""
    jobs: list[Job] = []
    by_user = {u.id: u for u in users}
    deliveries = {(d.channel_id, d.date): d for d in records.deliveries}
    jobs += _housekeeping(now, by_user, records.deliveries)
    jobs += _shared(now, settings, records)
    todays: dict[str, date] = {}
    for user in users:
        today = todays.get(user.timezone) or todays.setdefault(user.timezone, local_day(user, now))
        for day in (today, today + timedelta(days=1)):
            jobs += _user_day(now, user, day, today, settings, records, deliveries)
    return sorted(jobs, key=lambda j: (ORDER[j.kind], j.due_at, j.user_id or 0, j.channel_id or 0))


def day_jobs(
    now: datetime, user: User, day: date, settings: Settings, records: Records
) -> list[Job]:
    """``aube run --user U --date D``: what the schedule does for this user and day once its
    time has come. Build the edition if missing; deliver on every enabled channel not yet
    delivered, if ``day`` is the user's today. A past day gets nothing (it is never sent);
    a future day only its edition."""
    today = local_day(user, now)
    if day < today:
        return []
    deliveries = {(d.channel_id, d.date): d for d in records.deliveries}
    jobs = _user_day(now, user, day, today, settings, records, deliveries, forced=True)
    return sorted(jobs, key=lambda j: (ORDER[j.kind], j.channel_id or 0))


def _housekeeping(
    now: datetime, users: Mapping[int, User], deliveries: Sequence[DeliveryRecord]
) -> list[Job]:
    jobs: list[Job] = []
    for d in deliveries:
        if d.status in ("sent", "failed", "unknown", "skipped"):
            continue  # finished (when given as records rather than keys)
        if d.status == "sending" and d.lease_until is not None and d.lease_until < now:
            jobs.append(Job("settle", d.lease_until, d.user_id, d.date, d.channel_id, d.id))
        elif d.status in ("retry", "claimed") and d.user_id in users:
            abandoned = d.status == "claimed" and d.lease_until is not None and d.lease_until < now
            past = date.fromisoformat(d.date) < local_day(users[d.user_id], now)
            if past and (d.status == "retry" or abandoned):
                jobs.append(
                    Job(
                        "expire",
                        d.next_attempt_at or d.updated_at,
                        d.user_id,
                        d.date,
                        d.channel_id,
                        d.id,
                    )
                )
    return jobs


def _shared(now: datetime, settings: Settings, records: Records) -> list[Job]:
    interval = timedelta(minutes=settings.ingest_interval_minutes)
    jobs: list[Job] = []
    ingest_due = now if records.last_ingest is None else records.last_ingest[0] + interval
    if ingest_due <= now:
        jobs.append(Job("ingest", ingest_due))
    finished = records.last_ingest[1] if records.last_ingest else None
    stories_stale = finished is not None and (
        records.last_stories is None or records.last_stories[0] < finished
    )
    if jobs:
        jobs.append(Job("stories", ingest_due))  # right after the ingest it follows
    elif stories_stale and finished is not None:
        jobs.append(Job("stories", finished))  # an ingest finished after the last stories run
    return jobs


def _user_day(
    now: datetime,
    user: User,
    day: date,
    today: date,
    settings: Settings,
    records: Records,
    deliveries: Mapping[tuple[int, str], DeliveryRecord],
    forced: bool = False,
) -> list[Job]:
    jobs: list[Job] = []
    key = day.isoformat()
    morning = morning_at(user, day)
    build_at = morning - timedelta(minutes=settings.edition_lead_minutes)
    if (user.id, key) not in records.editions and (forced or build_at <= now):
        jobs.append(Job("edition", min(build_at, now), user.id, key))
    if day != today or not (forced or morning <= now):
        return jobs
    for channel in records.channels.get(user.id, ()):
        if not channel.enabled or (channel.id, key) in records.finished:
            continue
        found = deliveries.get((channel.id, key))
        if found is None:
            jobs.append(Job("deliver", min(morning, now), user.id, key, channel.id))
        elif (
            found.status == "retry"
            and found.next_attempt_at is not None
            and (forced or found.next_attempt_at <= now)
        ):
            jobs.append(
                Job("deliver", min(found.next_attempt_at, now), user.id, key, channel.id, found.id)
            )
        elif (
            found.status == "claimed" and found.lease_until is not None and found.lease_until < now
        ):
            # Its worker stopped before sending anything: safe to take over.
            jobs.append(Job("deliver", found.lease_until, user.id, key, channel.id, found.id))
    return jobs
