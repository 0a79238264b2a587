"""Imports that take a while (embedding a chat history can take seconds), run one at a time
in a worker thread while the page shows their progress.

Jobs live in this process's memory: the embedded default is one process. The import itself
is all-or-nothing in the store, so a restart mid-import loses only the progress display;
the person uploads again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import numpy as np

from aube.clock import Clock
from aube.enrich.embed import Embedder
from aube.errors import AubeError, NotFound
from aube.progress import Advance
from aube.web.tokens import new_secret

log = logging.getLogger(__name__)
KEEP = timedelta(hours=1)  # finished jobs are forgotten after this
EMBED_BATCH = 16  # small enough that the bar moves, large enough to stay fast

State = Literal["waiting", "running", "done", "failed"]


@dataclass
class Job:
    id: str
    user_id: int
    title: str
    created_at: datetime
    state: State = "waiting"
    step: str = "waiting for the previous import to finish"
    done: int = 0
    total: int = 0
    message: str = ""  # the outcome, for the person
    next_url: str = "/profile"
    finished_at: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int | None:
        return int(100 * self.done / self.total) if self.total else None

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "state": self.state,
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "message": self.message,
            "next": self.next_url if self.finished else None,
        }


class Progress:
    """What a running job tells its page; also a ``Reporter`` for the edition build."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def step(self, text: str, total: int = 0) -> Advance:
        with self.job._lock:
            self.job.step, self.job.done, self.job.total = text, 0, total

        def advance(n: int) -> None:
            with self.job._lock:
                self.job.done = min(self.job.done + n, self.job.total or self.job.done + n)

        return advance

    # Reporter protocol (aube.progress)
    def task(self, description: str, total: int) -> Advance:
        return self.step(description, total)

    def note(self, message: str) -> None:
        pass


class ProgressEmbedder:
    """An embedder that embeds in small batches and reports each one: the slow part of an
    import, made visible. Same name and vectors as the embedder it wraps."""

    def __init__(self, inner: Embedder, progress: Progress, what: str) -> None:
        self.inner, self.progress, self.what = inner, progress, what
        self.name, self.dim = inner.name, inner.dim

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        advance = self.progress.step(self.what, len(texts))
        parts = []
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start : start + EMBED_BATCH]
            parts.append(self.inner.embed(batch))
            advance(len(batch))
        return np.vstack(parts) if parts else np.zeros((0, self.dim), dtype=np.float32)


class Jobs:
    """One worker thread: imports queue behind each other instead of starving the pages."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aube-import")

    def submit(self, user_id: int, title: str, work: Callable[[Progress], tuple[str, str]]) -> Job:
        """Run ``work(progress)`` → (message, next URL). An ``AubeError`` is the person's to
        read; anything else is logged and reported as a failure without details."""
        job = Job(id=new_secret(), user_id=user_id, title=title, created_at=self.clock())
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Progress], tuple[str, str]]) -> None:
        job.state = "running"
        try:
            job.message, job.next_url = work(Progress(job))
            job.state = "done"
        except AubeError as exc:
            job.message, job.state = str(exc), "failed"
        except Exception:
            log.exception("import job %s failed", job.title)
            job.state = "failed"
            job.message = "the import failed because of an error in Aube (see the server log)"
        finally:
            job.step = "finished"
            job.finished_at = self.clock()

    def get(self, user_id: int, job_id: str) -> Job:
        """A job of this user's; another user's job does not exist for them."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.user_id != user_id:
            raise NotFound("no such import (finished imports are forgotten after an hour)")
        return job

    def _forget_old(self) -> None:
        now = self.clock()
        for key in [
            k
            for k, j in self._jobs.items()
            if j.finished_at is not None and now - j.finished_at > KEEP
        ]:
            del self._jobs[key]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
