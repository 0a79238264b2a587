"""What every command shares: settings, the store, the clock, the consoles."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console

from aube.clock import Clock, system_clock
from aube.config import Settings, load_settings
from aube.store import Store

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppState:
    data_dir: Path | None = None
    database_url: str | None = None
    clock: Clock = system_clock
    _settings: Settings | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(data_dir=self.data_dir, database_url=self.database_url)
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings)
        return self._store


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    return obj


def when(moment: object) -> str:
    """A datetime as people read it in a terminal (UTC, to the minute)."""
    from datetime import datetime

    if not isinstance(moment, datetime):
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M")
