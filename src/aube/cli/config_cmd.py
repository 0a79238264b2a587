"""``aube config``: the settings in force, and their reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aube.cli.common import console, state
from aube.config import ENV_PREFIX, settings_doc
from aube.errors import ConfigError

app = typer.Typer(
    help="Show the settings in force, or write their reference.", no_args_is_help=True
)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Every setting and its value (from arguments, environment, file or default)."""
    settings = state(ctx).settings
    for name in type(settings).model_fields:
        console.print(
            f"{name} = {getattr(settings, name)!r}  [dim]({ENV_PREFIX}{name.upper()})[/dim]"
        )


@app.command("docs")
def docs(
    output: Annotated[
        Path | None, typer.Argument(help="Write here (default: standard output).")
    ] = None,
    check: Annotated[bool, typer.Option(help="Fail when the file differs from the code.")] = False,
) -> None:
    """The Markdown reference of every setting (docs/configuration.md)."""
    text = settings_doc()
    if check:
        if output is None or not output.is_file() or output.read_text() != text:
            raise ConfigError(f"{output} is out of date: run `aube config docs {output}`")
        console.print(f"{output} is current.")
    elif output is None:
        print(text, end="")
    else:
        output.write_text(text)
        console.print(f"Wrote {output}")
