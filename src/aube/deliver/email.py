"""Briefing emails: one multipart/alternative message (plain text, then HTML with inline CSS and
no script), sent over SMTP with STARTTLS, TLS or (for a local relay) neither, with optional
authentication.

The message links every card to the web app and carries List-Unsubscribe with a one-click
(RFC 8058) link. Its Message-ID is derived from the delivery, so a message is recognisable
everywhere it lands.

Sending is split by SMTP phase, because the phase decides what a failure means: any failure
up to the recipient being accepted, or the server refusing the message after DATA, means
nothing was delivered (retry); a connection lost while the message body is in flight may
have delivered it, so it is reported as ``maybe_sent`` and never resent.
"""

from __future__ import annotations

import queue
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from aube.compose.edition import END_MARKER
from aube.config import Settings
from aube.deliver.base import (
    DeliveryError,
    Outgoing,
    day_label,
    delivery_settings_url,
    edition_url,
    unsubscribe_url,
)
from aube.deliver.render import card_view, templates
from aube.types import Edition, User

DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def _domain(settings: Settings) -> str:
    address = parseaddr(settings.mail_from)[1]
    return address.rsplit("@", 1)[1] if "@" in address else "localhost"


def message_id(settings: Settings, key: str) -> str:
    return f"<aube.{key}@{_domain(settings)}>"


def subject_for(edition: Edition, *, test: bool = False) -> str:
    head = f"Your briefing for {day_label(edition.date)}"
    if edition.cards:
        top = edition.cards[0].headline
        head += f": {top if len(top) <= 70 else top[:69].rstrip() + '…'}"
    return ("[Test] " if test else "") + head


def build_message(
    settings: Settings,
    user: User,
    edition: Edition,
    *,
    key: str,
    unsubscribe_token: str | None,
    now: Any,
    test: bool = False,
) -> EmailMessage:
    """The email for one edition. ``key`` makes the Message-ID (a delivery id, or a test's)."""
    if not user.email:
        raise DeliveryError(f"user {user.handle} has no email address", permanent=True)
    subject = subject_for(edition, test=test)
    cards = [card_view(settings, c) for c in edition.cards]
    context = {
        "subject": subject,
        "heading": f"Your briefing for {day_label(edition.date)}",
        "day": day_label(edition.date),
        "name": user.display_name,
        "language": user.language,
        "cards": cards,
        "quiet": edition.quiet,
        "end": END_MARKER,
        "test": test,
        "preheader": (edition.cards[0].summary[:140] if edition.cards else END_MARKER),
        "edition_url": edition_url(settings, edition.date),
        "settings_url": delivery_settings_url(settings),
        "unsubscribe_url": unsubscribe_url(settings, unsubscribe_token)
        if unsubscribe_token
        else "",
    }
    env = templates()
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = settings.mail_from
    message["To"] = formataddr((user.display_name, user.email))
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(settings, key)
    message["List-Id"] = f"Aube morning briefing <briefing.{_domain(settings)}>"
    if unsubscribe_token:
        message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"  # no vacation auto-replies (RFC 3834)
    message["Content-Language"] = user.language
    message.set_content(env.get_template("email.txt.j2").render(context))
    message.add_alternative(env.get_template("email.html.j2").render(context), subtype="html")
    return message


class SmtpTransport:
    """SMTP per the settings; keeps a few connections open between messages of one tick."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.host = settings.smtp_host
        self.port = settings.smtp_port or DEFAULT_PORTS[settings.smtp_security]
        self._idle: queue.SimpleQueue[smtplib.SMTP] = queue.SimpleQueue()

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.smtp_ca_file or None)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{self.host}:{self.port}"
        conn: smtplib.SMTP | None = None
        try:
            if s.smtp_security == "ssl":
                conn = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=s.smtp_timeout, context=self._tls()
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=s.smtp_timeout)
                if s.smtp_security == "starttls":
                    conn.ehlo()
                    if not conn.has_extn("starttls"):
                        raise DeliveryError(
                            f"the mail server {where} does not offer STARTTLS; "
                            "not sending in the clear (see smtp_security)"
                        )
                    conn.starttls(context=self._tls())
                    conn.ehlo()
            conn.ehlo_or_helo_if_needed()
            if s.smtp_username:
                conn.login(s.smtp_username, s.smtp_password.get_secret_value())
            return conn
        except DeliveryError:
            _quietly_close(conn)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _quietly_close(conn)
            raise DeliveryError(
                f"the mail server {where} refused the login of {s.smtp_username!r}: {_reply(exc)}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            _quietly_close(conn)
            raise DeliveryError(f"cannot talk to the mail server {where}: {exc}") from None

    def send(self, message: EmailMessage) -> str:
        sender = parseaddr(str(message["From"]))[1]
        recipient = parseaddr(str(message["To"]))[1]
        body = message.as_bytes(policy=SMTP_POLICY)
        for pooled in (True, False):
            conn = self._take() if pooled else self._connect()
            if conn is None:
                continue
            try:
                code, reply = conn.mail(sender)
                if code == 250:
                    code, reply = conn.rcpt(recipient)
                    if code not in (250, 251):
                        self._refused(
                            conn, f"the mail server refused the recipient {recipient}", code, reply
                        )
                else:
                    self._refused(conn, f"the mail server refused the sender {sender}", code, reply)
            except smtplib.SMTPServerDisconnected as exc:
                _quietly_close(conn)
                if pooled:
                    continue  # the server closed an idle connection: nothing was sent
                raise DeliveryError(
                    f"the mail server {self.host} closed the connection: {exc}"
                ) from None
            except OSError as exc:
                _quietly_close(conn)
                raise DeliveryError(f"lost the mail server {self.host}: {exc}") from None
            # From here the message is on its way: only an explicit refusal proves it was not.
            try:
                code, reply = conn.data(body)
            except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was sent
                self._refused(
                    conn, "the mail server refused the message", exc.smtp_code, exc.smtp_error
                )
            except (smtplib.SMTPException, OSError) as exc:
                _quietly_close(conn)
                raise DeliveryError(
                    f"lost the mail server {self.host} while sending: {exc}", maybe_sent=True
                ) from None
            if code != 250:
                self._refused(conn, "the mail server refused the message", code, reply)
            self._idle.put(conn)
            return str(message["Message-ID"])
        raise DeliveryError(f"cannot talk to the mail server {self.host}")  # pragma: no cover

    def _take(self) -> smtplib.SMTP | None:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return None

    def _refused(self, conn: smtplib.SMTP, what: str, code: int, reply: bytes | str) -> None:
        try:
            conn.rset()
            self._idle.put(conn)
        except (smtplib.SMTPException, OSError):
            _quietly_close(conn)
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        raise DeliveryError(f"{what}: {code} {text}", permanent=500 <= code < 600)

    def close(self) -> None:
        while (conn := self._take()) is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(conn)


def _quietly_close(conn: smtplib.SMTP | None) -> None:
    if conn is None:
        return
    try:
        conn.close()
    except OSError:
        pass


def _reply(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    return (
        f"{exc.smtp_code} {error.decode('utf-8', 'replace') if isinstance(error, bytes) else error}"
    )


class EmailChannel:
    kind = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.transport = SmtpTransport(settings)  # thread-safe: the worker sends in parallel

    def prepare(self, outgoing: Outgoing) -> EmailMessage:
        if not self.settings.smtp_host:
            raise DeliveryError("email is not set up on this server (no smtp_host)", permanent=True)
        key = (
            f"{outgoing.edition.date}.{outgoing.delivery_id}"
            if outgoing.delivery_id
            else f"test.{outgoing.channel.id}.{int(outgoing.now.timestamp() * 1000)}"
        )
        return build_message(
            self.settings,
            outgoing.user,
            outgoing.edition,
            key=key,
            unsubscribe_token=outgoing.channel.unsubscribe_token,
            now=outgoing.now,
            test=outgoing.test,
        )

    def send(self, prepared: EmailMessage) -> str:
        return self.transport.send(prepared)

    def close(self) -> None:
        self.transport.close()


__all__ = ["EmailChannel", "SmtpTransport", "build_message", "message_id"]
