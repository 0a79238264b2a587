"""``aube stories`` and ``aube story``: the shared stories, as the night built them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from aube.cli.common import console, state, when
from aube.timeparse import parse_since
from aube.types import Story


def _story_json(story: Story) -> dict[str, object]:
    data = asdict(story)
    for key, value in list(data.items()):
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    data["items"] = [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(i).items()}
        for i in story.items
    ]
    return data


def register(app: typer.Typer) -> None:
    @app.command("stories")
    def stories(
        ctx: typer.Context,
        since: Annotated[
            str, typer.Option(help="Seen since: 24h, 3d, or an ISO date/time.")
        ] = "24h",
        limit: Annotated[int, typer.Option(help="Most stories shown.")] = 30,
        min_publishers: Annotated[
            int, typer.Option(help="Only stories covered by this many publishers.")
        ] = 1,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """The stories seen in a period, most widely covered first."""
        st = state(ctx)
        found = st.store.list_stories(
            since=parse_since(since, st.clock()), min_publishers=min_publishers, limit=limit
        )
        if as_json:
            console.print_json(json.dumps([_story_json(s) for s in found]))
            return
        if not found:
            console.print(
                f"No stories seen since {since}. Run `aube ingest` first, or widen --since."
            )
            return
        table = Table()
        for col in ("id", "story", "publishers", "items", "last seen"):
            table.add_column(col)
        for s in found:
            publishers = sorted({i.publisher for i in s.items})
            table.add_row(
                str(s.id),
                f"[bold]{s.headline or s.items[0].title}[/bold]\n{s.summary}",
                f"{s.publisher_count}: {', '.join(publishers)}",
                str(s.item_count),
                when(s.last_seen),
            )
        console.print(table)

    @app.command("story")
    def story(
        ctx: typer.Context,
        story_id: int,
        since: Annotated[
            str | None, typer.Option(help="Also show what is new since then (24h, ISO time).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """One story: its summary, every source, and what is new since a moment."""
        st = state(ctx)
        s = st.store.get_story(story_id)
        new = (
            st.store.new_in_story_since(story_id, parse_since(since, st.clock())) if since else None
        )
        if as_json:
            data = _story_json(s)
            if new is not None:
                data["new_since"] = [i.item_id for i in new]
            console.print_json(json.dumps(data))
            return
        console.print(f"[bold]{s.headline}[/bold]")
        console.print(
            f"[dim]story {s.id} · version {s.version} · {s.publisher_count} publisher(s) · "
            f"{s.item_count} item(s) · first seen {when(s.first_seen)} · last seen "
            f"{when(s.last_seen)} · summary: {s.summary_backend or 'none yet'}[/dim]\n"
        )
        if s.summary:
            console.print(s.summary + "\n")
        fresh = {i.item_id for i in new} if new is not None else set()
        for i in s.items:
            mark = "[green]new[/green] " if i.item_id in fresh else ""
            console.print(
                f"{mark}{when(i.published_at)}  [bold]{i.publisher}[/bold]: {i.title}\n"
                f"    [link={i.url}]{i.url}[/link]"
            )
        if new is not None:
            console.print(f"\n{len(new)} item(s) new since {since}.")
