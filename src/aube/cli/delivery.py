"""``aube worker``, ``aube run``, ``aube channels``, ``aube deliveries``: the schedule and the
ways an edition reaches people outside the app."""

from __future__ import annotations

import signal
import threading
from datetime import date as Date
from typing import Annotated

import typer
from rich.table import Table

from aube.cli.common import console, err_console, state, when
from aube.deliver import service
from aube.deliver.base import feed_url
from aube.deliver.notify import masked
from aube.errors import InvalidInput
from aube.pipeline.schedule import local_day
from aube.pipeline.worker import TickReport, Worker
from aube.progress import rich_reporter
from aube.store import ChannelRecord
from aube.types import User

channels_app = typer.Typer(
    help="A user's delivery channels: email, notifications, private feed.", no_args_is_help=True
)
deliveries_app = typer.Typer(help="What was delivered, what failed and why.", no_args_is_help=True)

UserArg = Annotated[str, typer.Argument(help="User name or id.")]


def _print_report(report: TickReport) -> None:
    console.print(f"[dim]{when(report.at)} UTC[/dim] {report.summary()}")
    for note in report.notes:
        console.print(f"  {note}")
    for error in report.errors:
        err_console.print(f"  [red]✗[/red] {error}")


def _channel_line(channel: ChannelRecord) -> tuple[str, str, str]:
    if channel.kind == "email":
        return "email", "on" if channel.enabled else "off", "to the user's address"
    if channel.kind == "atom":
        live = channel.enabled and channel.has_feed_token
        return "atom", "on" if live else "revoked", "private feed (URL shown when made)"
    return "apprise", "on" if channel.enabled else "off", masked(channel.target)


@channels_app.command("list")
def channels_list(ctx: typer.Context, user: UserArg) -> None:
    """A user's channels and today's delivery on each."""
    st = state(ctx)
    u = st.store.get_user(user)
    today = local_day(u, st.clock()).isoformat()
    sent = {d.channel_id: d for d in st.store.list_deliveries(user_id=u.id, date=today)}
    table = Table()
    for col in ("id", "channel", "state", "where", f"today ({today})"):
        table.add_column(col)
    for c in st.store.list_channels(u.id):
        kind, status, where = _channel_line(c)
        d = sent.get(c.id)
        table.add_row(str(c.id), kind, status, where, d.status if d else "—")
    console.print(table)
    console.print(
        f"Mornings at {u.morning_time} ({u.timezone}); change with "
        f"`aube users set {u.handle} --morning HH:MM`."
    )


@channels_app.command("add")
def channels_add(
    ctx: typer.Context,
    user: UserArg,
    kind: Annotated[str, typer.Argument(help="email, apprise or atom.")],
    target: Annotated[
        str | None, typer.Argument(help="For apprise: the URL, e.g. ntfys://ntfy.sh/my-topic.")
    ] = None,
) -> None:
    """Turn on email, add a notification URL, or make the private Atom feed."""
    st = state(ctx)
    u = st.store.get_user(user)
    now = st.clock()
    if kind == "email":
        service.enable_email(st.store, st.settings, u, now=now)
        console.print(f"Email briefings on for {u.handle} <{u.email}>.")
    elif kind == "apprise":
        if not target:
            raise InvalidInput("give the notification URL, e.g. ntfys://ntfy.sh/my-topic")
        c = service.add_apprise(st.store, st.settings, u, target, now=now)
        console.print(f"Channel {c.id}: notifications to {masked(c.target)}.")
    elif kind == "atom":
        _new_feed(ctx, u)
    else:
        raise InvalidInput(f"unknown channel {kind!r}: email, apprise or atom")


def _new_feed(ctx: typer.Context, u: User) -> None:
    st = state(ctx)
    _, token = service.create_feed(st.store, u, now=st.clock())
    console.print(
        "Private feed (keep it secret; it is shown only now — `aube channels feed "
        "USER --regenerate` makes a new one):"
    )
    print(feed_url(st.settings, token))


@channels_app.command("remove")
def channels_remove(
    ctx: typer.Context,
    user: UserArg,
    channel: Annotated[str, typer.Argument(help="Channel id, or email / atom.")],
) -> None:
    """Turn email off, revoke the feed, or delete a notification URL."""
    st = state(ctx)
    u = st.store.get_user(user)
    console.print(
        service.remove_channel(
            st.store, u, _channel_id(ctx, u.id, channel), now=st.clock()
        ).capitalize()
        + "."
    )


def _channel_id(ctx: typer.Context, user_id: int, ref: str) -> int:
    st = state(ctx)
    if ref.isdigit():
        return int(ref)
    found = st.store.find_channel(user_id, ref) if ref in ("email", "atom") else None
    if found is None:
        raise InvalidInput(f"no {ref!r} channel for this user (see `aube channels list`)")
    return found.id


@channels_app.command("test")
def channels_test(
    ctx: typer.Context,
    user: UserArg,
    channel: Annotated[str, typer.Argument(help="Channel id, or email / atom.")],
) -> None:
    """Send a test now: the latest edition, marked as a test, outside the schedule."""
    st = state(ctx)
    u = st.store.get_user(user)
    receipt = service.send_test(
        st.store, st.settings, u, _channel_id(ctx, u.id, channel), now=st.clock()
    )
    console.print(f"Test sent: {receipt}")


@channels_app.command("feed")
def channels_feed(
    ctx: typer.Context,
    user: UserArg,
    regenerate: Annotated[
        bool, typer.Option("--regenerate", help="A new URL; the old one stops working.")
    ] = False,
    revoke: Annotated[bool, typer.Option("--revoke", help="End the feed.")] = False,
) -> None:
    """The private Atom feed: whether it is live; make a new URL, or revoke it."""
    st = state(ctx)
    u = st.store.get_user(user)
    if regenerate and revoke:
        raise InvalidInput("choose --regenerate or --revoke, not both")
    if regenerate:
        _new_feed(ctx, u)
    elif revoke:
        gone = service.revoke_feed(st.store, u, now=st.clock())
        console.print("Feed revoked: its URL answers 'not found' now." if gone else "No live feed.")
    else:
        c = st.store.find_channel(u.id, "atom")
        if c is None or not c.has_feed_token:
            console.print(f"No live feed. `aube channels add {u.handle} atom` makes one.")
        else:
            console.print(
                f"The feed is live since {when(c.updated_at)} UTC. Its URL was shown when "
                "it was made and is not stored; --regenerate makes a new one."
            )


@deliveries_app.command("list")
def deliveries_list(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="Only this user.")] = None,
    date: Annotated[str | None, typer.Option(help="Only this day (YYYY-MM-DD).")] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(help="Only this status; repeatable (sent, retry, failed, unknown, skipped…)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 50,
) -> None:
    """Deliveries, newest first, with their tries and errors."""
    st = state(ctx)
    uid = st.store.get_user(user).id if user else None
    handles = {u.id: u.handle for u in st.store.list_users()}
    table = Table()
    for col in (
        "id",
        "day",
        "user",
        "channel",
        "status",
        "tries",
        "sent / next try",
        "error / receipt",
    ):
        table.add_column(col)
    for d in st.store.list_deliveries(user_id=uid, date=date, statuses=status, limit=limit):
        moment = (
            when(d.sent_at)
            if d.sent_at
            else (f"next {when(d.next_attempt_at)}" if d.next_attempt_at else "")
        )
        detail = f"[red]{d.error}[/red]" if d.error else (d.detail or "")
        table.add_row(
            str(d.id),
            d.date,
            handles.get(d.user_id, str(d.user_id)),
            f"{d.kind} {d.channel_id}",
            d.status,
            str(d.attempts),
            moment,
            detail,
        )
    console.print(table)


@deliveries_app.command("resend")
def deliveries_resend(ctx: typer.Context, delivery: int) -> None:
    """Send a failed or perhaps-sent delivery again, on purpose (the worker's next tick)."""
    st = state(ctx)
    d = st.store.resend_delivery(delivery, now=st.clock())
    console.print(
        f"Delivery {d.id} ({d.date}, {d.kind}) will be sent again by the worker's next "
        "tick, if that day is still today for the user."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(channels_app, name="channels")
    app.add_typer(deliveries_app, name="deliveries")

    @app.command("worker")
    def worker_cmd(
        ctx: typer.Context,
        once: Annotated[bool, typer.Option("--once", help="One tick, then exit.")] = False,
    ) -> None:
        """The schedule: ingest, stories, each user's edition and deliveries, on time, for good."""
        st = state(ctx)
        worker = Worker(st.store, st.settings, st.clock, on_tick=_print_report)
        if once:
            _print_report(worker.run_once())
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        console.print(
            f"Worker {worker.name}: a tick every {st.settings.worker_tick_seconds:g}s, "
            f"ingest every {st.settings.ingest_interval_minutes} min, editions "
            f"{st.settings.edition_lead_minutes} min before each morning. Ctrl-C stops."
        )
        worker.run_forever(stop)
        console.print("Worker stopped.")

    @app.command("run")
    def run_cmd(
        ctx: typer.Context,
        user: Annotated[str, typer.Option("--user", help="User name or id.")],
        date: Annotated[
            str | None, typer.Option("--date", help="YYYY-MM-DD (default: the user's today).")
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """What the schedule does for one user and day, now: build the edition if missing, then
        deliver it on every channel that has not had it (today only: a past day is never sent)."""
        st = state(ctx)
        u = st.store.get_user(user)
        try:
            day = Date.fromisoformat(date) if date else local_day(u, st.clock())
        except ValueError:
            raise InvalidInput(f"{date!r} is not a date (YYYY-MM-DD)") from None
        with rich_reporter(not quiet) as reporter:
            worker = Worker(st.store, st.settings, st.clock, reporter=reporter)
            report = worker.run_day(u, day)
        _print_report(report)
        if report.errors:
            raise typer.Exit(1)
