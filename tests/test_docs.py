"""The documentation cannot fall behind the code: every setting and every command is in it."""

from __future__ import annotations

import typer.main
from support import REPO

from aube.cli import app
from aube.config import settings_doc


def test_configuration_reference_is_current() -> None:
    path = REPO / "docs" / "configuration.md"
    assert path.read_text(encoding="utf-8") == settings_doc(), (
        "docs/configuration.md is out of date: run `aube config docs docs/configuration.md`"
    )


def _commands(group, prefix: str = "aube"):  # type: ignore[no-untyped-def]
    for name, command in sorted(getattr(group, "commands", {}).items()):
        yield f"{prefix} {name}"
        yield from _commands(command, f"{prefix} {name}")


def test_every_command_is_documented() -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [c for c in _commands(typer.main.get_command(app)) if f"`{c}" not in text]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in block.splitlines()[1:] if line.strip()]
    assert commands == ["scripts/up", "scripts/test"]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci
