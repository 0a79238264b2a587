"""A pool of replicas of one model: which server takes the next request, and which are out.

Each replica has a limit of requests in flight; a request takes a slot on the up replica
with the most room (round robin among equals) and gives it back with its outcome:

- ``ok``: the replica answered a chat completion; its run of failures is over;
- ``fault``: a 5xx, a timeout, an answer that is not a chat completion (not JSON, the wrong
  shape); after ``down_after`` faults in a row the replica is taken out;
- ``gone``: the connection was refused or reset: taken out at once;
- ``neutral``: the request's own problem (429, a 4xx): says nothing about the replica.

A replica taken out is health-checked again ``recheck`` seconds later (by the next request
that looks for a slot; the wait doubles each time it is found out again before it has
answered well) and put back when it answers. When every replica is out, a request
is refused at once with every replica's reason, so a dead pool costs a night seconds, not
timeouts. Every change (taken out, back) is an event the cost ledger records and the run
shows. The HTTP is the caller's: the health check is an injected function, the clock too."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

Outcome = Literal["ok", "fault", "gone", "neutral"]
# (url) -> None when the replica is healthy, else why it is not.
Probe = Callable[[str], "str | None"]


@dataclass
class Replica:
    url: str
    limit: int
    up: bool = True
    checked: bool = False  # health-checked once since the pool started
    checking: bool = False  # a health check is under way (by one request)
    in_flight: int = 0
    peak_in_flight: int = 0
    failures: int = 0  # in a row
    strikes: int = 0  # times taken out since it last answered well
    reason: str = ""  # why it is out
    down_since: float = 0.0
    next_check: float = 0.0
    served: int = 0
    failed: int = 0


@dataclass(frozen=True)
class ReplicaEvent:
    kind: Literal["down", "up"]
    url: str
    reason: str

    @property
    def message(self) -> str:
        if self.kind == "down":
            return f"model replica {self.url} taken out: {self.reason}"
        return f"model replica {self.url} back: {self.reason}"


class AllDown(Exception):
    """Every replica is out; the message lists each one's reason."""


class ReplicaPool:
    def __init__(
        self,
        replicas: Sequence[tuple[str, int]],
        *,
        probe: Probe,
        down_after: int = 3,
        recheck: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not replicas:
            raise ValueError("a pool needs at least one replica")
        self.replicas = [Replica(url, max(int(limit), 1)) for url, limit in replicas]
        self._by_url = {r.url: r for r in self.replicas}
        self._probe = probe
        self.down_after = max(down_after, 1)
        self.recheck = recheck
        self._now = monotonic
        self._cond = threading.Condition()
        self._turn = 0
        self._events: list[ReplicaEvent] = []

    @property
    def capacity(self) -> int:
        """Requests the pool can have in flight when every replica is up."""
        return sum(r.limit for r in self.replicas)

    # -- health

    def check_unchecked(self) -> None:
        """Health-check, at once and concurrently, every replica not checked yet (the first
        batch of a night starts on the replicas that answer)."""
        with self._cond:
            todo = [r for r in self.replicas if not r.checked and not r.checking]
            for r in todo:
                r.checking = True
        threads = [threading.Thread(target=self._check, args=(r,), daemon=True) for r in todo]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _check(self, replica: Replica) -> None:
        try:
            problem = self._probe(replica.url)
        except Exception as exc:  # noqa: BLE001 - a probe that breaks is a failed check
            problem = f"health check failed: {type(exc).__name__}: {exc}"
        with self._cond:
            replica.checking = False
            replica.checked = True
            now = self._now()
            if problem is None:
                if not replica.up:
                    down_for = now - replica.down_since
                    replica.up, replica.failures, replica.reason = True, 0, ""
                    self._event(
                        "up", replica, f"answers its health check after {down_for:.0f} s out"
                    )
            elif replica.up:
                self._take_out(replica, f"health check: {problem}", now)
            else:
                replica.strikes += 1
                replica.next_check = now + self._delay(replica)
            self._cond.notify_all()

    # -- slots

    def acquire(self, avoid: Collection[str] = ()) -> str:
        """The URL of a replica for one attempt, its slot taken: an up replica not in
        ``avoid`` (those a request already tried) when there is one, with the most room.
        Waits while the candidates are full; raises AllDown when every replica is out."""
        while True:
            due: list[Replica] = []
            with self._cond:
                now = self._now()
                for r in self.replicas:
                    if not r.up and not r.checking and now >= r.next_check:
                        r.checking = True
                        due.append(r)
                if not due:
                    up = [r for r in self.replicas if r.up]
                    if not up:
                        if any(r.checking for r in self.replicas):
                            self._cond.wait(0.2)
                            continue
                        raise AllDown(
                            "every model replica is out: "
                            + "; ".join(f"{r.url} ({r.reason})" for r in self.replicas)
                        )
                    fresh = [r for r in up if r.url not in avoid]
                    pool = fresh or up
                    room = [r for r in pool if r.in_flight < r.limit]
                    if room:
                        chosen = self._pick(room)
                        chosen.in_flight += 1
                        chosen.peak_in_flight = max(chosen.peak_in_flight, chosen.in_flight)
                        return chosen.url
                    # Full: wait for a slot (or for a replica to come back, or go out).
                    self._cond.wait(0.5)
                    continue
            for r in due:  # outside the lock: a check takes up to its timeout
                self._check(r)

    def _pick(self, room: list[Replica]) -> Replica:
        best = min(r.in_flight / r.limit for r in room)
        ties = [r for r in room if r.in_flight / r.limit == best]
        self._turn += 1
        return ties[self._turn % len(ties)]

    def release(self, url: str, outcome: Outcome, reason: str = "") -> None:
        """Give the slot back with how the attempt went."""
        with self._cond:
            r = self._by_url[url]
            r.in_flight = max(r.in_flight - 1, 0)
            if outcome == "ok":
                r.served += 1
                r.failures = r.strikes = 0
            elif outcome in ("fault", "gone"):
                r.failed += 1
                r.failures += 1
                if r.up and (outcome == "gone" or r.failures >= self.down_after):
                    why = (
                        reason
                        if outcome == "gone" or r.failures == 1
                        else f"{r.failures} failures in a row, the last: {reason}"
                    )
                    self._take_out(r, why, self._now())
            self._cond.notify_all()

    def others_up(self, tried: Collection[str]) -> bool:
        """Whether a replica not in ``tried`` is up (a retry can go there at once)."""
        with self._cond:
            return any(r.up and r.url not in tried for r in self.replicas)

    def _take_out(self, r: Replica, reason: str, now: float) -> None:
        r.up = False
        r.reason = reason
        r.down_since = now
        r.strikes += 1
        r.next_check = now + self._delay(r)
        self._event("down", r, reason)

    def _delay(self, r: Replica) -> float:
        """Until the next health check: ``recheck``, doubled each time the replica is found
        out again without having answered well in between (one that passes its health check
        but answers garbage must not cost a failed request every ``recheck`` seconds), up to
        128 times."""
        return self.recheck * 2 ** min(max(r.strikes - 1, 0), 7)

    def _event(self, kind: Literal["down", "up"], r: Replica, reason: str) -> None:
        event = ReplicaEvent(kind, r.url, reason)
        self._events.append(event)
        (log.warning if kind == "down" else log.info)("%s", event.message)

    def drain_events(self) -> list[ReplicaEvent]:
        """The events since the last call, oldest first."""
        with self._cond:
            events, self._events = self._events, []
        return events

    def status(self) -> list[dict[str, object]]:
        """Each replica's state, for logs and the bench."""
        with self._cond:
            return [
                {
                    "url": r.url,
                    "up": r.up,
                    "limit": r.limit,
                    "in_flight": r.in_flight,
                    "peak_in_flight": r.peak_in_flight,
                    "served": r.served,
                    "failed": r.failed,
                    "reason": r.reason,
                }
                for r in self.replicas
            ]
