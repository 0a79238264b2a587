"""``aube sources``: the feeds Aube reads."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aube.cli.common import console, state, when
from aube.errors import InvalidInput
from aube.ingest.opml import OpmlFeed, parse_opml, write_opml
from aube.ingest.urls import canonical_url, is_http_url

app = typer.Typer(help="Add, list, remove, import and export feeds.", no_args_is_help=True)

FullTextOpt = Annotated[
    str | None,
    typer.Option(
        "--full-text",
        help="Fetch the article when the feed has only a teaser: auto, always, never.",
    ),
]


def checked_url(url: str) -> str:
    if not is_http_url(url):
        raise InvalidInput(f"{url!r} is not an http(s) URL")
    return canonical_url(url)


@app.command("list")
def list_sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every source with its state: items stored, last fetch, and the last error if any."""
    st = state(ctx)
    sources = st.store.list_sources()
    counts = st.store.source_item_counts()
    if as_json:
        rows = [
            {
                "id": s.id,
                "url": s.url,
                "title": s.title,
                "enabled": s.enabled,
                "full_text": s.full_text,
                "items": counts.get(s.id, 0),
                "last_fetched_at": s.last_fetched_at.isoformat() if s.last_fetched_at else None,
                "last_ok_at": s.last_ok_at.isoformat() if s.last_ok_at else None,
                "error": s.last_error,
                "error_count": s.error_count,
            }
            for s in sources
        ]
        console.print_json(json.dumps(rows))
        return
    if not sources:
        console.print(
            "No sources yet. Add one with `aube sources add URL` or "
            "`aube sources import feeds.opml`."
        )
        return
    table = Table(show_lines=False)
    for col in ("id", "source", "items", "last fetch", "state"):
        table.add_column(col)
    for s in sources:
        if not s.enabled:
            status = "[dim]disabled[/dim]"
        elif s.last_error:
            status = f"[red]error ({s.error_count}×):[/red] {s.last_error}"
        elif s.last_fetched_at is None:
            status = "[dim]not fetched yet[/dim]"
        else:
            status = "[green]ok[/green]"
        label = f"{s.title}\n[dim]{s.url}[/dim]" if s.title else s.url
        table.add_row(str(s.id), label, str(counts.get(s.id, 0)), when(s.last_fetched_at), status)
    console.print(table)


@app.command("add")
def add(
    ctx: typer.Context,
    url: str,
    title: Annotated[str, typer.Option(help="A name for it (default: the feed's own).")] = "",
    full_text: FullTextOpt = None,
) -> None:
    """Add a feed by URL (RSS, Atom or JSON Feed)."""
    st = state(ctx)
    mode = _mode(full_text or st.settings.ingest_full_text)
    source, created = st.store.add_source(
        checked_url(url), now=st.clock(), title=title, full_text=mode
    )
    verb = "Added" if created else "Already there:"
    console.print(f"{verb} source {source.id}: {source.url}")


@app.command("remove")
def remove(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Source id or URL.")]
) -> None:
    """Remove a source and the items read from it."""
    st = state(ctx)
    source = st.store.get_source(ref)
    removed = st.store.remove_source(source.id, now=st.clock())
    console.print(f"Removed source {source.id} ({source.url}) and {removed} item(s).")


@app.command("set")
def set_source(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Source id or URL.")],
    full_text: FullTextOpt = None,
    title: Annotated[str | None, typer.Option(help="A new name.")] = None,
    enabled: Annotated[bool | None, typer.Option("--enable/--disable")] = None,
) -> None:
    """Change a source's name, full-text mode, or pause it."""
    st = state(ctx)
    source = st.store.get_source(ref)
    changes: dict[str, object] = {}
    if full_text is not None:
        changes["full_text"] = _mode(full_text)
    if title is not None:
        changes["title"] = title
    if enabled is not None:
        changes["enabled"] = enabled
    if not changes:
        raise InvalidInput("nothing to change: give --full-text, --title, --enable or --disable")
    source = st.store.update_source(source.id, **changes)
    console.print(
        f"Source {source.id}: {source.title or source.url} "
        f"(full text: {source.full_text}, {'enabled' if source.enabled else 'disabled'})"
    )


@app.command("import")
def import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML file, or - for standard input.")],
    full_text: FullTextOpt = None,
) -> None:
    """Add every feed of an OPML file (feeds already there are kept as they are)."""
    st = state(ctx)
    data = sys.stdin.buffer.read() if str(file) == "-" else _read(file)
    feeds = parse_opml(data)
    mode = _mode(full_text or st.settings.ingest_full_text)
    added = existing = 0
    skipped: list[str] = []
    with st.store.write() as uow:  # the whole file, or (on an error) none of it
        for feed in feeds:
            if not is_http_url(feed.url):
                skipped.append(feed.url)
                continue
            _, created = uow.sources.add(
                canonical_url(feed.url), now=st.clock(), title=feed.title, full_text=mode
            )
            added += created
            existing += not created
    console.print(
        f"Imported {file}: {added} added, {existing} already there"
        + (f", {len(skipped)} skipped (not http/https): {', '.join(skipped)}" if skipped else "")
    )


@app.command("export")
def export_opml(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Where to write (default: standard output).")
    ] = None,
) -> None:
    """Write every source as OPML."""
    st = state(ctx)
    data = write_opml(
        [OpmlFeed(url=s.url, title=s.title, category="") for s in st.store.list_sources()]
    )
    if file is None:
        sys.stdout.buffer.write(data)
    else:
        file.write_bytes(data)
        console.print(f"Wrote {file}")


def _mode(value: str) -> str:
    if value not in ("auto", "always", "never"):
        raise InvalidInput(f"--full-text must be auto, always or never, not {value!r}")
    return value


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
