"""``aube users``, ``aube import``, ``aube profile``, ``aube curate``, ``aube feedback``,
``aube edition(s)``, ``aube saved``: each user's side of Aube."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aube.cli.common import console, state, when
from aube.compose.edition import local_date
from aube.compose.render import edition_text
from aube.enrich.factory import embedder_for
from aube.errors import InvalidInput
from aube.pipeline.editions import editions as build
from aube.progress import rich_reporter
from aube.signals import service
from aube.signals.export import export_user

users_app = typer.Typer(help="Add, list, change and remove users.", no_args_is_help=True)
import_app = typer.Typer(help="Import past chats or notes as interests.", no_args_is_help=True)
profile_app = typer.Typer(
    help="What Aube believes about a user: show, export, edit.", no_args_is_help=True
)
requests_app = typer.Typer(help="A user's curate requests.", no_args_is_help=True)

UserArg = Annotated[str, typer.Argument(help="User name or id.")]


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="A short user name (lowercase).")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Paris.")] = "UTC",
    language: Annotated[str, typer.Option(help="Language code.")] = "en",
    size: Annotated[int, typer.Option(help="Most cards in an edition.")] = 8,
    morning: Annotated[str, typer.Option(help="Morning time, HH:MM local.")] = "07:00",
    topics: Annotated[
        str | None, typer.Option(help="Comma-separated topics to start with.")
    ] = None,
    admin: Annotated[bool, typer.Option(help="Make this user an administrator.")] = False,
) -> None:
    """Create a user (following every default source), optionally with starting topics."""
    st = state(ctx)
    user = service.add_user(
        st.store,
        handle,
        now=st.clock(),
        topics=[t for t in topics.split(",") if t.strip()] if topics else None,
        embedder=lambda: embedder_for(st.settings),
        display_name=name,
        email=email,
        timezone=timezone,
        language=language,
        edition_size=size,
        morning_time=morning,
        is_admin=admin,
    )
    console.print(
        f"Added user {user.id}: {user.handle} ({user.timezone}, {user.edition_size} cards, "
        f"mornings at {user.morning_time})"
    )


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """Every user."""
    st = state(ctx)
    table = Table()
    for col in ("id", "user", "time zone", "cards", "morning", "created"):
        table.add_column(col)
    for u in st.store.list_users():
        table.add_row(
            str(u.id),
            f"{u.handle}{' (admin)' if u.is_admin else ''}",
            u.timezone,
            str(u.edition_size),
            u.morning_time,
            when(u.created_at),
        )
    console.print(table)


@users_app.command("set")
def users_set(
    ctx: typer.Context,
    user: UserArg,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone.")] = None,
    language: Annotated[str | None, typer.Option(help="Language code.")] = None,
    size: Annotated[int | None, typer.Option(help="Most cards in an edition.")] = None,
    morning: Annotated[str | None, typer.Option(help="Morning time, HH:MM local.")] = None,
) -> None:
    """Change a user's settings."""
    st = state(ctx)
    u = st.store.get_user(user)
    changes = {
        k: v
        for k, v in {
            "display_name": name,
            "email": email,
            "timezone": timezone,
            "language": language,
            "edition_size": size,
            "morning_time": morning,
        }.items()
        if v is not None
    }
    if not changes:
        raise InvalidInput("nothing to change")
    u = st.store.update_user(u.id, **changes)
    console.print(
        f"User {u.handle}: {u.timezone}, {u.edition_size} cards, mornings at {u.morning_time}"
    )


@users_app.command("remove")
def users_remove(
    ctx: typer.Context,
    user: UserArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Delete a user and all their data (profile, imports, editions, feedback)."""
    st = state(ctx)
    u = st.store.get_user(user)
    if not yes:
        typer.confirm(f"Delete {u.handle} and all their data?", abort=True)
    st.store.delete_user(u.id)
    console.print(f"Deleted user {u.handle} and all their data.")


@import_app.command("chats")
def import_chats(
    ctx: typer.Context,
    user: UserArg,
    file: Annotated[Path, typer.Argument(help="conversations.json or the export's zip.")],
) -> None:
    """Import a ChatGPT export ("Export data" conversations.json, or its zip)."""
    st = state(ctx)
    u = st.store.get_user(user)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}") from None
    with console.status(f"reading {file.name} and finding topics…"):
        result = service.import_chats(
            st.store, embedder_for(st.settings), u, data, name=file.name, now=st.clock()
        )
    _import_report(result, "conversation")


@import_app.command("notes")
def import_notes(
    ctx: typer.Context,
    user: UserArg,
    path: Annotated[Path, typer.Argument(help="A folder or zip of .md/.txt notes.")],
) -> None:
    """Import a notes archive (e.g. an Obsidian vault) as interests."""
    st = state(ctx)
    u = st.store.get_user(user)
    with console.status(f"reading {path.name} and finding topics…"):
        result = service.import_notes(st.store, embedder_for(st.settings), u, path, now=st.clock())
    _import_report(result, "note")


def _import_report(result: service.ImportResult, noun: str) -> None:
    if result.already:
        console.print(f"Already imported (import {result.import_id}); nothing changed.")
        return
    console.print(
        f"Import {result.import_id}: {result.documents} {noun}(s) → {result.interests} interest(s)."
    )
    for why in result.skipped[:10]:
        console.print(f"  skipped {why}")
    if len(result.skipped) > 10:
        console.print(f"  … and {len(result.skipped) - 10} more skipped")


@profile_app.command("show")
def profile_show(
    ctx: typer.Context, user: UserArg, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Every interest with its weight, origin, age and evidence; active requests; imports."""
    st = state(ctx)
    u = st.store.get_user(user)
    now = st.clock()
    interests = st.store.list_interests(u.id, now=now)
    if as_json:
        console.print_json(json.dumps(export_user(st.store, u, now=now)["interests"]))
        return
    console.print(f"[bold]{u.display_name}[/bold] ({u.handle}) — {len(interests)} interest(s)")
    for i in interests:
        sign = "[red]−[/red]" if i.sign < 0 else "[green]+[/green]"
        extra = " [red]block[/red]" if i.hard else ""
        expiry = f", until {when(i.expires_at)}" if i.expires_at else ""
        console.print(
            f"{sign} [bold]{i.label}[/bold]  (id {i.id}, weight {i.weight:.2f}, {i.origin}"
            f"{extra}, since {when(i.created_at)}{expiry}{', edited' if i.edited else ''})"
        )
        for e in i.evidence[:3]:
            console.print(f"      {e.kind}: {e.ref[:90]}  [dim]{when(e.at)}[/dim]")
        if len(i.evidence) > 3:
            console.print(f"      … {len(i.evidence) - 3} more")
    for r in st.store.list_requests(u.id, now=now):
        console.print(
            f"request {r.id}: “{r.text}” ({r.action} {r.topic}"
            f"{', until ' + when(r.expires_at) if r.expires_at else ''})"
        )
    for imp in st.store.list_imports(u.id):
        console.print(f"import {imp['id']}: {imp['kind']} {imp['name']} {imp['stats']}")


@profile_app.command("export")
def profile_export(
    ctx: typer.Context,
    user: UserArg,
    file: Annotated[Path | None, typer.Argument(help="Where (default: stdout).")] = None,
) -> None:
    """Everything private Aube holds about the user, as JSON."""
    st = state(ctx)
    data = json.dumps(
        export_user(st.store, st.store.get_user(user), now=st.clock()), indent=2, ensure_ascii=False
    )
    if file is None:
        print(data)
    else:
        file.write_text(data, encoding="utf-8")
        console.print(f"Wrote {file}")


@profile_app.command("edit")
def profile_edit(
    ctx: typer.Context,
    user: UserArg,
    interest: int,
    label: Annotated[str | None, typer.Option(help="A new name.")] = None,
    weight: Annotated[float | None, typer.Option(help="A new weight (0–10).")] = None,
    negative: Annotated[
        bool | None, typer.Option("--negative/--positive", help="Want it, or not.")
    ] = None,
) -> None:
    """Rename, reweight, or flip an interest; learning leaves an edited interest alone."""
    st = state(ctx)
    u = st.store.get_user(user)
    values: dict[str, object] = {}
    if label is not None:
        values["label"] = label
    if weight is not None:
        values["weight"] = weight
    if negative is not None:
        values["sign"] = -1 if negative else 1
    if not values:
        raise InvalidInput("nothing to change: give --label, --weight, --negative or --positive")
    i = st.store.edit_interest(u.id, interest, now=st.clock(), **values)
    console.print(
        f"Interest {i.id}: {i.label} ({'−' if i.sign < 0 else '+'}, weight {i.weight:.2f})"
    )


@profile_app.command("delete")
def profile_delete(ctx: typer.Context, user: UserArg, interest: int) -> None:
    """Delete one interest and its evidence."""
    st = state(ctx)
    u = st.store.get_user(user)
    st.store.delete_interest(u.id, interest)
    console.print(f"Deleted interest {interest}.")


@profile_app.command("add")
def profile_add(
    ctx: typer.Context,
    user: UserArg,
    topics: Annotated[list[str], typer.Argument(help="One or more topics.")],
) -> None:
    """Add topics by hand."""
    st = state(ctx)
    u = st.store.get_user(user)
    ids = service.add_topics(
        st.store, embedder_for(st.settings), u, topics, now=st.clock(), origin="manual"
    )
    console.print(f"Added {len(ids)} interest(s).")


@profile_app.command("delete-import")
def profile_delete_import(ctx: typer.Context, user: UserArg, import_id: int) -> None:
    """Delete an import and everything it contributed."""
    st = state(ctx)
    u = st.store.get_user(user)
    gone = st.store.delete_import(u.id, import_id)
    console.print(f"Deleted import {import_id} and {gone} interest(s) that came only from it.")


@requests_app.command("list")
def requests_list(
    ctx: typer.Context,
    user: UserArg,
    all_: Annotated[bool, typer.Option("--all", help="Also expired and removed ones.")] = False,
) -> None:
    """Curate requests, with their expiry."""
    st = state(ctx)
    u = st.store.get_user(user)
    for r in st.store.list_requests(u.id, now=st.clock(), active_only=not all_):
        console.print(
            f"{r.id}: “{r.text}” → {r.action} {r.topic!r}"
            f"{', until ' + when(r.expires_at) if r.expires_at else ''} [{r.status}]"
        )


@requests_app.command("remove")
def requests_remove(ctx: typer.Context, user: UserArg, request: int) -> None:
    """Withdraw a request."""
    st = state(ctx)
    st.store.remove_request(st.store.get_user(user).id, request)
    console.print(f"Removed request {request}.")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(import_app, name="import")
    app.add_typer(profile_app, name="profile")
    app.add_typer(requests_app, name="requests")

    @app.command("curate")
    def curate(
        ctx: typer.Context,
        user: UserArg,
        text: Annotated[str, typer.Argument(help="E.g. 'more on the Rust 2027 edition'.")],
    ) -> None:
        """Tell Aube in plain words what you want more or less of; honoured in the next edition."""
        st = state(ctx)
        u = st.store.get_user(user)
        request_id, intent = service.curate(
            st.store, embedder_for(st.settings), u, text, now=st.clock()
        )
        until = f" until {when(intent.expires_at)}" if intent.expires_at else ""
        console.print(f"Request {request_id}: {intent.action} “{intent.topic}”{until}.")

    @app.command("feedback")
    def feedback(
        ctx: typer.Context,
        user: UserArg,
        card: int,
        action: Annotated[str, typer.Argument(help="up, down, less, save, unsave, dismiss")],
    ) -> None:
        """Thumbs up/down, less like this, save, dismiss: tomorrow's edition learns from it."""
        st = state(ctx)
        u = st.store.get_user(user)
        c = service.give_feedback(st.store, u, card, action, now=st.clock())
        console.print(f"Noted: {action} on “{c.headline}”.")

    @app.command("edition")
    def edition(
        ctx: typer.Context,
        user: UserArg,
        date: Annotated[
            str | None, typer.Option("--date", help="YYYY-MM-DD (default: today, local).")
        ] = None,
        rebuild: Annotated[bool, typer.Option(help="Build it again (regenerate).")] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Print a user's edition, building it first when it does not exist yet."""
        st = state(ctx)
        u = st.store.get_user(user)
        day = date or local_date(u, st.clock())
        if rebuild or st.store.get_edition(u.id, day) is None:
            build(st.store, st.settings, clock=st.clock, day=day, user_ids=[u.id], replace=rebuild)
        ed = st.store.get_edition(u.id, day)
        assert ed is not None
        if as_json:
            from dataclasses import asdict

            console.print_json(json.dumps(asdict(ed), default=str))
        else:
            print(edition_text(ed, name=u.display_name), end="")

    @app.command("editions")
    def editions_cmd(
        ctx: typer.Context,
        date: Annotated[
            str | None,
            typer.Option("--date", help="YYYY-MM-DD (default: each user's local today)."),
        ] = None,
        user: Annotated[
            list[str] | None, typer.Option(help="Only these users; repeatable.")
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """Build every user's edition for a day in one batch (what the scheduler runs)."""
        st = state(ctx)
        ids = [st.store.get_user(x).id for x in user] if user else None
        with rich_reporter(not quiet) as reporter:
            report = build(
                st.store, st.settings, clock=st.clock, day=date, user_ids=ids, reporter=reporter
            )
        console.print(
            f"{report.built} edition(s) built ({report.cards} cards, {report.quiet} quiet), "
            f"{report.skipped_existing} already there; {report.candidates} candidate stories."
        )

    @app.command("saved")
    def saved(ctx: typer.Context, user: UserArg) -> None:
        """A user's saved cards."""
        st = state(ctx)
        u = st.store.get_user(user)
        for c in st.store.saved_cards(u.id):
            console.print(f"{c.date}  card {c.id}: [bold]{c.headline}[/bold]")
