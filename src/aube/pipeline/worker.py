"""The long-running worker: every tick, ask the schedule what is due and do it.

``aube worker`` runs one on its own; ``aube serve`` can run one inside the web app's process
(:meth:`Worker.start` / :meth:`Worker.stop`, or :func:`lifespan_task`). Any number of workers
may run against one database: shared jobs and edition batches are taken under a lock, and
each delivery is claimed in the store (``aube.deliver.dispatch``), so nothing is done twice
and an edition is never sent twice.

A tick, in order: settle abandoned sends and expire a past day's retries; send the due
deliveries whose edition is ready (so a large edition batch never makes them late); build the
due editions, one batch per day; send the deliveries that were waiting for those editions.
The shared work (ingest, then stories) runs in a second thread so a slow fetch never delays a
morning.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, timedelta

from aube.clock import Clock, system_clock
from aube.config import Settings
from aube.deliver.base import Channel, channel_for
from aube.deliver.dispatch import Outcome, deliver
from aube.deliver.retry import RetryPolicy
from aube.pipeline.editions import editions
from aube.pipeline.runs import recorded
from aube.pipeline.schedule import Job, Records, candidate_days, day_jobs, due_jobs, local_day
from aube.pipeline.shared import fetch, process
from aube.progress import Reporter, Silent
from aube.store import ChannelRecord, Store
from aube.types import User

log = logging.getLogger(__name__)

SHARED_KINDS = frozenset({"ingest", "stories"})
PERSONAL_KINDS = frozenset({"settle", "expire", "edition", "deliver"})
ALL_KINDS = SHARED_KINDS | PERSONAL_KINDS
SHARED_LOCK_TTL = timedelta(hours=2)
EDITIONS_LOCK_TTL = timedelta(minutes=30)


@dataclass
class TickReport:
    """What one tick (or ``aube run``) did. ``late`` holds, for each delivery sent, how many
    seconds after it became due it went out."""

    at: datetime
    jobs: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    late: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{k} {v}" for k, v in sorted(self.counts.items()) if v]
        if self.late:
            parts.append(f"latest send {max(self.late):.0f}s after due")
        return ", ".join(parts) or "nothing due"


def load_records(
    store: Store,
    users: Sequence[User],
    now: datetime,
    *,
    kinds: Collection[str] = ALL_KINDS,
    extra_days: Sequence[str] = (),
) -> Records:
    """What the schedule needs from the store, read in a handful of queries, in one snapshot:
    a delivery that finishes meanwhile is seen either open or finished, never neither."""
    wanted = frozenset(kinds)
    with store.read() as uow:
        last = uow.runs.last_of(["ingest", "stories"]) if wanted & SHARED_KINDS else {}
        if not wanted & PERSONAL_KINDS:
            return Records(last_ingest=last.get("ingest"), last_stories=last.get("stories"))
        days = sorted(set(candidate_days(users, now)) | set(extra_days))
        return Records(
            last_ingest=last.get("ingest"),
            last_stories=last.get("stories"),
            editions=uow.editions.keys(days),
            channels=uow.channels.enabled(),
            deliveries=uow.deliveries.unfinished(),
            finished=uow.deliveries.finished(days),
        )


class Worker:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock = system_clock,
        *,
        name: str | None = None,
        channels: Mapping[str, Channel] | None = None,
        reporter: Reporter | None = None,
        on_tick: Callable[[TickReport], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.name = name or f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.reporter = reporter or Silent()
        self.on_tick = on_tick  # told of every tick that had something to do
        self.policy = RetryPolicy.from_settings(settings)
        self._channels: dict[str, Channel] = dict(channels or {})
        self._channels_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- one tick

    def run_once(
        self, now: datetime | None = None, *, kinds: Collection[str] = ALL_KINDS
    ) -> TickReport:
        """Do every job due at ``now`` (default: the clock's now) among ``kinds``."""
        now = now or self.clock()
        kinds = frozenset(kinds)
        users = self.store.list_users() if kinds & PERSONAL_KINDS else []
        records = load_records(self.store, users, now, kinds=kinds)
        jobs = [j for j in due_jobs(now, users, self.settings, records) if j.kind in kinds]
        return self._execute(jobs, now, {u.id: u for u in users}, records)

    def run_day(self, user: User, day: Date, now: datetime | None = None) -> TickReport:
        """``aube run --user U --date D``: the schedule's jobs for one user and day, now."""
        now = now or self.clock()
        records = load_records(
            self.store, [user], now, kinds=PERSONAL_KINDS, extra_days=[day.isoformat()]
        )
        jobs = day_jobs(now, user, day, self.settings, records)
        report = self._execute(jobs, now, {user.id: user}, records)
        today = local_day(user, now)
        if day < today:
            report.notes.append(
                f"{day} is a past day for {user.handle} (today is {today} in "
                f"{user.timezone}): its edition is never sent"
            )
        elif day > today:
            report.notes.append(f"{day} has not come yet for {user.handle}: built, not sent")
        return report

    def _execute(
        self, jobs: list[Job], now: datetime, users: Mapping[int, User], records: Records
    ) -> TickReport:
        report = TickReport(at=now, jobs=len(jobs))
        by_kind: dict[str, list[Job]] = {}
        for job in jobs:
            by_kind.setdefault(job.kind, []).append(job)
        for job in by_kind.get("settle", []):
            if self.store.settle_abandoned(job.delivery_id or 0, now=self.clock()):
                report.counts["settled_unknown"] += 1
        for job in by_kind.get("expire", []):
            if self.store.expire_delivery(
                job.delivery_id or 0,
                now=self.clock(),
                reason=(
                    f"not sent: {job.date} is over in the user's time zone, and a past day's "
                    "edition is never sent"
                ),
            ):
                report.counts["expired"] += 1
        if "ingest" in by_kind or "stories" in by_kind:
            self._shared("ingest" in by_kind, report)
        deliveries = by_kind.get("deliver", [])
        ready = [j for j in deliveries if (j.user_id, j.date) in records.editions]
        waiting = [j for j in deliveries if (j.user_id, j.date) not in records.editions]
        channels = {c.id: c for chans in records.channels.values() for c in chans}
        self._deliver(ready, users, channels, report)
        self._editions(by_kind.get("edition", []), report)
        self._deliver(waiting, users, channels, report)
        if report.errors:
            report.counts["errors"] += len(report.errors)
        if jobs:
            log.info("worker %s at %s: %s", self.name, now.isoformat(), report.summary())
        return report

    # -- the jobs

    def _shared(self, ingest: bool, report: TickReport) -> None:
        now = self.clock()
        if not self.store.acquire_lock(
            "shared", holder=self.name, now=now, until=now + SHARED_LOCK_TTL
        ):
            report.counts["shared_busy"] += 1
            return
        try:
            if ingest:
                result = fetch(self.store, self.settings, clock=self.clock, reporter=self.reporter)
                report.counts["ingest_runs"] += 1
                report.counts["ingested_items"] += result.new
            stories = process(self.store, self.settings, clock=self.clock, reporter=self.reporter)
            report.counts["stories_runs"] += 1
            report.counts["stories_changed"] += len(stories.stories.changed)
        except Exception as exc:  # recorded as a failed run; the schedule tries again later
            log.exception("shared work failed")
            report.errors.append(f"shared work: {exc}")
        finally:
            self.store.release_lock("shared", holder=self.name)

    def _editions(self, jobs: list[Job], report: TickReport) -> None:
        by_day: dict[str, list[int]] = {}
        for job in jobs:
            by_day.setdefault(job.date or "", []).append(job.user_id or 0)
        for day, user_ids in sorted(by_day.items()):
            lock = f"editions:{day}"
            now = self.clock()
            if not self.store.acquire_lock(
                lock, holder=self.name, now=now, until=now + EDITIONS_LOCK_TTL
            ):
                report.counts["editions_busy"] += len(user_ids)
                continue
            try:
                built = editions(
                    self.store,
                    self.settings,
                    clock=self.clock,
                    day=day,
                    user_ids=user_ids,
                    reporter=self.reporter,
                )
                report.counts["editions_built"] += built.built
            except Exception as exc:  # noqa: BLE001 - isolate the failure, retry one by one
                # One bad user must not hold back the batch: build them one by one.
                log.warning("edition batch for %s failed (%s); building one by one", day, exc)
                for uid in user_ids:
                    try:
                        built = editions(
                            self.store, self.settings, clock=self.clock, day=day, user_ids=[uid]
                        )
                        report.counts["editions_built"] += built.built
                    except Exception as one:  # noqa: BLE001 - recorded in the run's errors
                        report.errors.append(f"edition of user {uid} for {day}: {one}")
            finally:
                self.store.release_lock(lock, holder=self.name)

    def _channel(self, kind: str) -> Channel:
        with self._channels_lock:
            if kind not in self._channels:
                self._channels[kind] = channel_for(kind, self.settings)
            return self._channels[kind]

    def _deliver(
        self,
        jobs: list[Job],
        users: Mapping[int, User],
        channels: Mapping[int, ChannelRecord],
        report: TickReport,
    ) -> None:
        if not jobs:
            return

        def one(job: Job) -> Outcome:
            user, channel = users[job.user_id or 0], channels[job.channel_id or 0]
            return deliver(
                self.store,
                self.settings,
                self._channel(channel.kind),
                user=user,
                channel=channel,
                edition=self.store.get_edition(user.id, job.date or ""),
                worker=self.name,
                clock=self.clock,
                policy=self.policy,
                date=job.date or "",
            )

        with recorded(self.store, "deliver", clock=self.clock, params={"due": len(jobs)}) as counts:
            with ThreadPoolExecutor(
                max_workers=self.settings.worker_concurrency, thread_name_prefix="aube-deliver"
            ) as pool:
                futures = [(job, pool.submit(one, job)) for job in jobs]
                for job, future in futures:
                    try:
                        outcome = future.result()
                    except Exception as exc:  # the store failed for this one; the rest go on
                        log.exception(
                            "delivery of %s on channel %s failed", job.date, job.channel_id
                        )
                        report.errors.append(f"delivery on channel {job.channel_id}: {exc}")
                        counts["errors"] = counts.get("errors", 0) + 1
                        continue
                    report.counts[outcome.status] += 1
                    counts[outcome.status] = counts.get(outcome.status, 0) + 1
                    if outcome.status == "sent":
                        report.late.append(max((self.clock() - job.due_at).total_seconds(), 0.0))
                    if outcome.status in ("failed", "unknown"):
                        counts["errors"] = counts.get("errors", 0) + 1
            for impl in list(self._channels.values()):
                impl.close()

    # -- running for good

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Tick until ``stop`` is set: personal jobs here, the shared work in a second thread."""
        stop = stop or self._stop
        shared = threading.Thread(
            target=self._loop, args=(stop, SHARED_KINDS), name="aube-worker-shared", daemon=True
        )
        shared.start()
        try:
            self._loop(stop, PERSONAL_KINDS)
        finally:
            stop.set()
            shared.join()

    def _loop(self, stop: threading.Event, kinds: frozenset[str]) -> None:
        while not stop.is_set():
            try:
                report = self.run_once(kinds=kinds)
                if report.jobs and self.on_tick is not None:
                    self.on_tick(report)
            except Exception:  # the database was away: say so, try again next tick
                log.exception("worker tick failed")
            stop.wait(self.settings.worker_tick_seconds)

    def start(self) -> None:
        """Run in a background thread (for ``aube serve``); :meth:`stop` ends it."""
        self._stop.clear()
        thread = threading.Thread(
            target=self.run_forever, args=(self._stop,), name="aube-worker", daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()


async def lifespan_task(store: Store, settings: Settings, clock: Clock = system_clock) -> None:
    """For a web app's lifespan: a worker in the background until this task is cancelled."""
    worker = Worker(store, settings, clock)
    worker.start()
    try:
        await asyncio.Event().wait()
    finally:
        await asyncio.to_thread(worker.stop)
