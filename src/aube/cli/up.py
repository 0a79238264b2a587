"""``aube up``: the main job on the embedded default — feeds to a first edition, then the app."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from aube.cli.common import console, state
from aube.clock import system_clock
from aube.compose.render import edition_text
from aube.pipeline.demo import demo_user, up
from aube.pipeline.editions import editions
from aube.progress import rich_reporter


def register(app: typer.Typer) -> None:
    @app.command("up")
    def up_cmd(
        ctx: typer.Context,
        feeds: Annotated[
            Path | None,
            typer.Option(
                help="An OPML file, or a folder of feed files to serve locally (default: the built-in "
                "OPML of public news feeds; offline, the archived snapshots beside the repo)."
            ),
        ] = None,
        serve: Annotated[
            bool,
            typer.Option("--serve/--no-serve", help="Serve the app afterwards (default: yes)."),
        ] = True,
        port: Annotated[int | None, typer.Option(help="Port (AUBE_WEB_PORT).")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """Fetch the news, build today's stories and a first edition for a demo reader, and
        serve the app on 127.0.0.1 with the demo log-in."""
        st = state(ctx)
        console.print(
            f"Aube data in {st.settings.data_dir} ({st.settings.db_url.split(':', 1)[0]})"
        )
        with rich_reporter(not quiet) as reporter:
            result = up(st.store, st.settings, clock=st.clock, feeds=feeds, reporter=reporter)
            user, _ = demo_user(st.store, st.settings, clock=st.clock)
            editions(
                st.store,
                st.settings,
                clock=result.clock,
                day=result.news_day,
                user_ids=[user.id],
                replace=True,
                reporter=reporter,
            )
        if result.ingest is not None:
            i = result.ingest
            console.print(
                f"{i.sources} feed(s) fetched: {i.ok} ok, {i.failed} failed; {i.new} new item(s)."
            )
        if result.used_snapshots:
            console.print(f"News from the local snapshots in {result.used_snapshots}.")
        console.print(
            f"{st.store.count_items()} items, {st.store.count_stories()} stories in the store. "
            f"Edition for {result.news_day}:\n"
        )
        edition = st.store.get_edition(user.id, result.news_day)
        assert edition is not None
        print(edition_text(edition, name=user.display_name), end="", flush=True)
        if not serve:
            return
        from aube.pipeline.worker import lifespan_task
        from aube.web.demo import demo_password
        from aube.web.server import server

        password = demo_password(st.store, st.settings, user)
        live = result.clock is st.clock and st.clock is system_clock
        # Archived news is shown as of its own day; the schedule runs only on live news.
        background = (
            [functools.partial(lifespan_task, st.store, st.settings, st.clock)] if live else []
        )
        port = port or st.settings.web_port
        base = f"http://127.0.0.1:{port}"
        srv = server(
            st.settings,
            host="127.0.0.1",
            port=port,
            store=st.store,
            clock=result.clock,
            background=background,
            log_level="warning",
        )
        console.print(
            f"\nAube is serving on {base}/ — log in at {base}/login as "
            f"[bold]{user.handle}[/bold] / [bold]{password}[/bold] "
            f"(kept in {st.settings.data_dir / 'demo-login.txt'}). Ctrl-C stops it.",
            soft_wrap=True,
        )
        if not live:
            console.print(
                f"The news is archived: the app shows {result.news_day} as today, and the "
                "nightly schedule is not started (`aube serve` runs it on live news).",
                soft_wrap=True,
            )
        srv.run()
