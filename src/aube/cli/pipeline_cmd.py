"""``aube fetch``, ``aube ingest``, ``aube runs``: the shared half of the night, by hand."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from aube.cli.common import console, state, when
from aube.ingest.stage import IngestReport
from aube.pipeline.shared import fetch, process
from aube.progress import rich_reporter


def _ingest_summary(r: IngestReport) -> str:
    return (
        f"{r.sources} source(s): {r.ok} ok, {r.not_modified} not modified, {r.failed} failed; "
        f"{r.new} new item(s), {r.updated} updated, {r.duplicates} duplicate(s), "
        f"{r.too_old} too old, {r.articles} article(s) fetched"
    )


def register(app: typer.Typer) -> None:
    @app.command("fetch")
    def fetch_cmd(
        ctx: typer.Context,
        source: Annotated[
            list[str] | None, typer.Option(help="Only this source (id or URL); repeatable.")
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    ) -> None:
        """Fetch the sources' new entries and store them (no stories)."""
        st = state(ctx)
        chosen = [st.store.get_source(s) for s in source] if source else None
        with rich_reporter(not quiet) as reporter:
            report = fetch(st.store, st.settings, clock=st.clock, sources=chosen, reporter=reporter)
        console.print(_ingest_summary(report))
        for url, error in sorted(report.errors.items()):
            console.print(f"  [red]✗[/red] {url}: {error}")

    @app.command("ingest")
    def ingest_cmd(
        ctx: typer.Context,
        no_fetch: Annotated[
            bool, typer.Option("--no-fetch", help="Only process what is stored.")
        ] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    ) -> None:
        """The shared half of the night: fetch, embed, cluster into stories, summarize."""
        st = state(ctx)
        with rich_reporter(not quiet) as reporter:
            ingest = (
                None
                if no_fetch
                else fetch(st.store, st.settings, clock=st.clock, reporter=reporter)
            )
            result = process(st.store, st.settings, clock=st.clock, reporter=reporter)
        if ingest is not None:
            console.print(_ingest_summary(ingest))
            for url, error in sorted(ingest.errors.items()):
                console.print(f"  [red]✗[/red] {url}: {error}")
        s = result.stories
        console.print(
            f"{s.embedded} item(s) embedded ({s.embeddings_reused} reused), {s.clustered} "
            f"clustered: {s.new_stories} new story(ies), {s.grown_stories} developed; "
            f"{result.summaries.summarized} summary(ies) written, "
            f"{result.summaries.cached} reused."
        )

    @app.command("runs")
    def runs_cmd(
        ctx: typer.Context,
        job: Annotated[str | None, typer.Option(help="Only this job.")] = None,
        limit: Annotated[int, typer.Option(help="How many.")] = 20,
    ) -> None:
        """The latest runs: what ran, when, how long, with what counts and errors."""
        st = state(ctx)
        table = Table()
        for col in ("id", "job", "started", "seconds", "status", "counts / error"):
            table.add_column(col)
        for r in st.store.list_runs(job=job, limit=limit):
            detail = ", ".join(f"{k}={v}" for k, v in r.counts.items() if v)
            if r.error:
                detail = f"[red]{r.error}[/red]" + (f"\n{detail}" if detail else "")
            seconds = (
                ""
                if r.finished_at is None
                else f"{(r.finished_at - r.started_at).total_seconds():.1f}"
            )
            table.add_row(str(r.id), r.job, when(r.started_at), seconds, r.status, detail)
        console.print(table)
