"""``aube serve``: the web app on 127.0.0.1 (uvicorn), with the worker in the same process
unless ``--no-worker``; ``aube password``: set a log-in password."""

from __future__ import annotations

import functools
from typing import Annotated

import typer

from aube.cli.common import console, state


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        ctx: typer.Context,
        host: Annotated[
            str | None, typer.Option(help="Address to listen on (AUBE_WEB_HOST).")
        ] = None,
        port: Annotated[int | None, typer.Option(help="Port (AUBE_WEB_PORT).")] = None,
        public: Annotated[
            bool,
            typer.Option(
                "--public", help="Allow an address other than loopback (put a TLS proxy in front)."
            ),
        ] = False,
        worker: Annotated[
            bool,
            typer.Option(
                "--worker/--no-worker",
                help="Run the schedule (fetching, editions, deliveries) in this process; "
                "--no-worker when `aube worker` runs on its own.",
            ),
        ] = True,
    ) -> None:
        """Serve the web app: the morning page, profile, settings and the JSON API."""
        from aube.pipeline.worker import lifespan_task
        from aube.web.server import server

        st = state(ctx)
        host = host or st.settings.web_host
        port = port or st.settings.web_port
        background = (
            [functools.partial(lifespan_task, st.store, st.settings, st.clock)] if worker else []
        )
        srv = server(
            st.settings,
            host=host,
            port=port,
            store=st.store,
            clock=st.clock,
            background=background,
            public=public,
        )
        shown = f"[{host}]" if ":" in host else host
        base = f"http://{shown}:{port}"
        console.print(f"Aube is serving on {base}/", soft_wrap=True)
        console.print(f"Log in at {base}/login", soft_wrap=True)
        console.print(
            "The schedule (fetching, editions, deliveries) runs in this process."
            if worker
            else "No worker here: run `aube worker` for the schedule.",
            soft_wrap=True,
        )
        if st.store.count_admins() == 0:
            console.print(
                f"No administrator yet: the first account made at {base}/signup "
                "administers this server.",
                soft_wrap=True,
            )
        srv.run()

    @app.command("password")
    def password_cmd(
        ctx: typer.Context,
        user: Annotated[str, typer.Argument(help="User name or id.")],
    ) -> None:
        """Set a user's log-in password (asked twice, never echoed); ends their sessions."""
        from aube.web import passwords

        st = state(ctx)
        u = st.store.get_user(user)
        secret = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        passwords.check_rules(secret, handle=u.handle)
        password_hash = passwords.hash_password(secret)
        with st.store.write() as uow:  # the new password and the end of every session, together
            uow.users.update(u.id, password_hash=password_hash)
            ended = uow.sessions.delete_of_user(u.id)
        console.print(f"Password of {u.handle} set; {ended} session(s) ended.")
