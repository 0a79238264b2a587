"""Progress for long jobs: a person sees what is happening and how long it will take.

A leaf module (it imports nothing of Aube): every stage reports through it, and only
``aube.pipeline`` chains the stages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

Advance = Callable[[int], None]


class Reporter(Protocol):
    def task(self, description: str, total: int) -> Advance: ...

    def note(self, message: str) -> None: ...


class Silent:
    def task(self, description: str, total: int) -> Advance:
        return lambda n: None

    def note(self, message: str) -> None:
        pass


class RichReporter:
    """Bars with counts, elapsed and remaining time, on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def task(self, description: str, total: int) -> Advance:
        task_id = self.progress.add_task(description, total=max(total, 0))
        return lambda n: self.progress.advance(task_id, n)

    def note(self, message: str) -> None:
        self.progress.console.print(message)


@contextmanager
def rich_reporter(enabled: bool = True) -> Iterator[Reporter]:
    if not enabled:
        yield Silent()
        return
    progress = Progress(
        TextColumn("[bold]{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        yield RichReporter(progress)
