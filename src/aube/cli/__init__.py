"""The ``aube`` command. Thin: each command calls one function that the scheduler also calls.

Sub-command groups live in modules of this package, one per concern, and are mounted here."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from aube.cli.common import AppState, console, err_console
from aube.errors import AubeError

app = typer.Typer(
    name="aube",
    help="Aube: a self-hosted personal morning briefing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data folder (AUBE_DATA_DIR).")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Database URL (AUBE_DATABASE_URL).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = AppState(data_dir=data_dir, database_url=database_url)


def _mount() -> None:
    from aube.cli import (
        capacity,
        config_cmd,
        cost,
        delivery,
        evals,
        people,
        pipeline_cmd,
        serve,
        sources,
        stories,
        up,
    )

    app.add_typer(sources.app, name="sources")
    app.add_typer(config_cmd.app, name="config")
    app.add_typer(evals.app, name="eval")
    stories.register(app)
    pipeline_cmd.register(app)
    people.register(app)
    cost.register(app)
    capacity.register(app)
    up.register(app)
    delivery.register(app)
    serve.register(app)


_mount()


def main() -> None:
    try:
        app()
    except AubeError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


__all__ = ["app", "console", "main"]
