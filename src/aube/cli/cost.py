"""``aube cost``: what the model work of a day cost, and what N users would need."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from aube.cli.common import console, state
from aube.errors import InvalidInput
from aube.llm.capacity import Throughput, Work, project
from aube.llm.report import DayCost, Totals, day_cost, typical_night


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _row(label: str, t: Totals) -> list[str]:
    return [
        label,
        _n(t.calls),
        _n(t.prompt_tokens),
        _n(t.completion_tokens),
        _n(t.tokens),
        f"{t.seconds:,.1f}",
    ]


def _table(*headers: str) -> Table:
    table = Table()
    for h in headers:
        table.add_column(h, justify="left" if h in ("", "day", "story") else "right")
    return table


def register(app: typer.Typer) -> None:
    @app.command("cost")
    def cost(
        ctx: typer.Context,
        day: Annotated[
            str | None,
            typer.Option(help="UTC day YYYY-MM-DD (default: the latest with model calls)."),
        ] = None,
        server_tokens_per_s: Annotated[
            float | None,
            typer.Option(
                help="Generated tokens/s of one model server under load (default: measured here)."
            ),
        ] = None,
        server_prompt_tokens_per_s: Annotated[
            float | None,
            typer.Option(
                help="Prompt tokens/s of that server (default: as --server-tokens-per-s)."
            ),
        ] = None,
        price_per_hour: Annotated[
            float | None, typer.Option(help="Price of one server-hour.")
        ] = None,
        users: Annotated[
            int | None, typer.Option(help="Users to project for (default: this installation's).")
        ] = None,
        night_hours: Annotated[
            float, typer.Option(help="Hours in which the night's work must fit.")
        ] = 6.0,
        top: Annotated[int, typer.Option(help="Stories and editions listed.")] = 10,
    ) -> None:
        """Tokens and seconds of the model work, shared versus per-user, per story, per edition
        and per day; and a capacity projection for one server."""
        st = state(ctx)
        store = st.store
        days = store.llm_days(limit=7)
        if not days:
            console.print(
                "No model calls recorded yet: summary_backend is extractive and "
                "personal_lines is off, so the nights cost no model time."
            )
            return
        the_day = day or days[0]
        if len(the_day) != 10 or the_day[4] != "-" or the_day[7] != "-":
            raise InvalidInput(f"--day {the_day!r} is not a date (YYYY-MM-DD)")
        report = day_cost(the_day, store.llm_usage(the_day))
        if not report.shared.calls and not report.per_user.calls:
            console.print(f"No model calls on {the_day}. Days with calls: {', '.join(days)}")
            return
        _print_day(report, top, store)
        _print_replicas(store, the_day)
        week = [day_cost(d, store.llm_usage(d)) for d in days]
        _print_days(week)
        n_users = users if users is not None else max(store.count_users(), 1)
        if n_users < 1:
            raise InvalidInput("--users must be at least 1")
        total = report.total
        measured = server_tokens_per_s is None
        rate = total.tokens / total.seconds if measured and total.seconds else server_tokens_per_s
        if not rate or rate <= 0:
            raise InvalidInput("--server-tokens-per-s must be positive")
        throughput = Throughput(rate, None if measured else server_prompt_tokens_per_s)
        _print_projection(
            typical_night(week),
            len(days),
            throughput,
            n_users,
            night_hours,
            price_per_hour,
            measured,
        )


def _print_day(report: DayCost, top: int, store) -> None:  # type: ignore[no-untyped-def]
    console.print(f"[bold]Model work on {report.day}[/bold] ({', '.join(sorted(report.models))})")
    table = _table("", "calls", "prompt", "completion", "tokens", "seconds")
    table.add_row(*_row("shared (story summaries)", report.shared))
    table.add_row(*_row("per-user (lines)", report.per_user))
    table.add_row(*_row("total", report.total))
    console.print(table)
    if report.events:
        console.print(
            "Decisions: " + ", ".join(f"{k} ×{v}" for k, v in sorted(report.events.items()))
        )
    if report.stories:
        n = len(report.stories)
        avg = report.shared.tokens / n
        console.print(
            f"\n[bold]Per story[/bold]: {n} stories, {avg:,.0f} tokens and "
            f"{report.shared.seconds / n:,.1f} s each on average; the costliest:"
        )
        table = _table("story", "calls", "prompt", "completion", "tokens", "seconds")
        ranked = sorted(report.stories.items(), key=lambda kv: -kv[1].tokens)[:top]
        found = {s.id: s for s in store.get_stories([sid for sid, _ in ranked], with_items=False)}
        for sid, t in ranked:
            headline = found[sid].headline[:60] if sid in found else "(story gone)"
            table.add_row(*_row(f"{sid} {headline}", t))
        console.print(table)
    if report.editions:
        n = len(report.editions)
        console.print(
            f"\n[bold]Per edition[/bold]: {n} editions with per-user lines, "
            f"{report.per_user.tokens / n:,.0f} tokens and "
            f"{report.per_user.seconds / n:,.1f} s each on average"
        )


def _print_replicas(store, day: str) -> None:  # type: ignore[no-untyped-def]
    with store.read() as uow:
        usage = uow.llm_replicas.usage(day)
        events = uow.llm_replicas.events(day)
    if len(usage) > 1 or events:
        table = _table("replica", "answered", "failed", "tokens", "seconds", "tokens/s")
        for row in usage:
            tokens = int(row["prompt_tokens"]) + int(row["completion_tokens"])
            seconds = float(row["seconds"])
            table.add_row(
                row["replica"],
                _n(row["answered"]),
                _n(row["failed"]),
                _n(tokens),
                f"{seconds:,.1f}",
                f"{tokens / seconds:,.0f}" if seconds else "—",
            )
        console.print("\n[bold]Per model replica[/bold] (tokens/s: per request, not aggregate)")
        console.print(table)
    for at, _replica, note in events:
        console.print(f"  {at:%H:%M:%S} {note}")


def _print_days(reports: list[DayCost]) -> None:
    table = _table("day", "shared tokens", "per-user tokens", "shared s", "per-user s")
    for r in reports:
        table.add_row(
            r.day,
            _n(r.shared.tokens),
            _n(r.per_user.tokens),
            f"{r.shared.seconds:,.1f}",
            f"{r.per_user.seconds:,.1f}",
        )
    console.print("\n[bold]Per day[/bold]")
    console.print(table)


def _print_projection(
    work: Work,
    days: int,
    throughput: Throughput,
    users: int,
    night_hours: float,
    price: float | None,
    measured: bool,
) -> None:
    p = project(work, throughput, users=users, night_hours=night_hours, price_per_hour=price)
    source = "measured from this day's calls (one request at a time)" if measured else "stated"
    prompt_rate = f", prompt {throughput.prompt:,.0f} tokens/s" if throughput.prompt else ""
    console.print(
        f"\n[bold]Capacity projection[/bold]: server at {throughput.completion:,.0f} "
        f"tokens/s{prompt_rate} ({source}); a night of {night_hours:g} h; the "
        f"typical night of the last {days} day(s) with model calls"
    )
    console.print(
        f"  shared work: {work.shared_prompt + work.shared_completion:,.0f} tokens, "
        f"{p.shared_seconds:,.0f} s, whatever the number of users"
    )
    per_user_tokens = work.user_prompt + work.user_completion
    console.print(f"  per user: {per_user_tokens:,.0f} tokens, {p.per_user_seconds:,.2f} s")
    if p.users_per_server_night is None:
        console.print(
            "  users one server can brief per night: no per-user model work, so no "
            "limit from the model"
        )
    else:
        console.print(f"  users one server can brief per night: {p.users_per_server_night:,}")
    console.print(
        f"  for {users:,} users: {p.server_hours:,.2f} server-hours per night, "
        f"{p.servers_needed} server(s) to fit in {night_hours:g} h"
        + (f", {p.cost:,.2f} at {price:g} per hour" if p.cost is not None else "")
    )
