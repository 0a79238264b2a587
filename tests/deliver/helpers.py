"""Real servers and a small news world for the delivery tests (``from deliver.helpers import …``).

- :class:`MailSink`: an aiosmtpd SMTP server on 127.0.0.1 (a free port) that keeps every
  message it accepts, parsed, and can be slow, refuse recipients, require STARTTLS and a login,
  or speak TLS from the start.
- :func:`self_signed`: a certificate for 127.0.0.1 made with the openssl command.
- :func:`news_store`: users with interests, and stories they match, through the real
  store → cluster → summarize path (the hashing embedder: fast and deterministic).
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from aube.clock import fixed_clock
from aube.config import Settings
from aube.enrich.factory import embedder_for
from aube.pipeline.shared import process
from aube.signals import service
from aube.store import Store
from aube.types import NewItem, User

TOPICS = {
    "rust": "Rust programming language release compiler edition",
    "rates": "central bank interest rates inflation decision",
    "football": "football champions league final match goals",
    "climate": "climate summit emissions agreement carbon",
}


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class MailHandler:
    """Keeps what it accepts. ``delay``: seconds to sit on each message before answering 250
    (a slow server); ``refuse``: recipients answered with 550."""

    delay: float = 0.0
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))  # type: ignore[arg-type]
        return "250 2.0.0 queued"

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)


class _FreePortController(Controller):
    """aiosmtpd's controller on port 0: learn the port the system chose before the self-check."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailSink:
    def __init__(
        self,
        handler: MailHandler | None = None,
        *,
        tls_cert: tuple[Path, Path] | None = None,
        implicit_tls: bool = False,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.handler = handler or MailHandler()
        options: dict[str, Any] = {}
        if tls_cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls_cert[0]), str(tls_cert[1]))
            if implicit_tls:
                options["ssl_context"] = context
            else:
                options.update(tls_context=context, require_starttls=True)
        if login is not None:
            options.update(authenticator=_Authenticator(*login), auth_required=True)
        self.controller = _FreePortController(
            self.handler, hostname="127.0.0.1", port=0, ready_timeout=10, **options
        )

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def settings(self, **more: Any) -> dict[str, Any]:
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": "none",
            "smtp_timeout": 10.0,
            "mail_from": "Aube <briefing@aube.example>",
            **more,
        }

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.handler.messages()
            if len(got) >= count:
                return got
            time.sleep(0.02)
        return self.handler.messages()


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


def self_signed(folder: Path) -> tuple[Path, Path] | None:
    """A key and a certificate for 127.0.0.1 (also the CA file a client trusts); None without
    the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def add_news(
    store: Store, settings: Settings, now: datetime, *, per_topic: int = 3, tag: str = ""
) -> None:
    """A few stories per topic, published in the hours before ``now``, clustered and summarized.
    ``tag`` makes another day's distinct news."""
    source, _ = store.add_source(
        "https://news.example/feed.xml", now=now - timedelta(days=1), title="News Example"
    )
    items = []
    for t, (name, words) in enumerate(TOPICS.items()):
        for n in range(per_topic):
            title = f"{words.split()[0].capitalize()} story {tag}{n}: {words}"
            text = (
                f"{title}. Reporters covered the {words} in detail {tag} on day {n}; "
                f"the {name} story number {n} developed through the evening {tag}."
            )
            items.append(
                NewItem(
                    source_id=source.id,
                    guid=f"{name}-{tag}{n}",
                    url=f"https://news.example/{name}/{tag}{n}",
                    title=title,
                    summary=text,
                    text=text,
                    html=f"<p>{text}</p>",
                    author=None,
                    published_at=now - timedelta(hours=2 + t + n),
                    fetched_at=now,
                    lang="en",
                    content_hash=hashlib.sha256(text.encode()).hexdigest(),
                )
            )
    store.insert_items(items)
    process(store, settings, clock=fixed_clock(now))


def add_reader(
    store: Store,
    settings: Settings,
    handle: str,
    now: datetime,
    *,
    timezone: str = "UTC",
    morning: str = "07:00",
    topics: tuple[str, ...] = ("rust", "rates"),
    email: bool = True,
) -> User:
    user = store.add_user(
        handle,
        now=now,
        email=f"{handle}@mail.example" if email else None,
        timezone=timezone,
        morning_time=morning,
        display_name=handle.capitalize(),
    )
    service.add_topics(store, embedder_for(settings), user, [TOPICS[t] for t in topics], now=now)
    return user
