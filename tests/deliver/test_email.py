"""Briefing emails through a real SMTP server on 127.0.0.1, read back and parsed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from deliver.helpers import MailHandler, MailSink, self_signed

from aube.config import load_settings
from aube.deliver.base import DeliveryError, Outgoing
from aube.deliver.email import EmailChannel, build_message
from aube.store import ChannelRecord
from aube.types import Card, CardSource, Edition, User

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
USER = User(
    id=7,
    handle="ada",
    display_name="Ada L.",
    email="ada@mail.example",
    timezone="Europe/London",
    language="en",
    edition_size=5,
    morning_time="06:00",
    is_admin=False,
    created_at=NOW,
)
CHANNEL = ChannelRecord(
    id=3,
    user_id=7,
    kind="email",
    target="",
    enabled=True,
    has_feed_token=False,
    unsubscribe_token="unsub-token-123",
    created_at=NOW,
    updated_at=NOW,
)


def card(n: int, headline: str, **more: object) -> Card:
    values: dict = {
        "id": 100 + n,
        "edition_id": 1,
        "user_id": 7,
        "position": n,
        "kind": "story",
        "story_id": n,
        "story_version": 1,
        "headline": headline,
        "summary": f"Summary of story {n}, in two sentences. Here.",
        "reason": "You follow “central banks”",
        "interest_id": 1,
        "interest_label": "central banks",
        "sources": (
            CardSource(
                "Daily Example",
                "A report",
                f"https://daily.example/{n}",
                "2026-11-27T20:00:00+00:00",
            ),
        ),
        "changes": (),
        "score": 1.0,
        "saved": False,
        "dismissed": False,
        "feedback": None,
        "created_at": NOW,
        "date": "2026-11-28",
    }
    values.update(more)
    return Card(**values)


EDITION = Edition(
    id=1,
    user_id=7,
    date="2026-11-28",
    created_at=NOW,
    quiet=False,
    cards=(
        card(1, "Central bank holds rates"),
        card(
            2,
            "Bond yields <b>jump</b> & <script>alert('x')</script>",
            kind="update",
            changes=("Wire: markets react",),
            sources=(
                CardSource("Evil", "x", "javascript:alert(1)", "2026-11-27T21:00:00+00:00"),
                CardSource("Good", "y", "https://good.example/a", "2026-11-27T22:00:00+00:00"),
            ),
        ),
    ),
)


def outgoing(**more: object) -> Outgoing:
    return Outgoing(user=USER, edition=EDITION, channel=CHANNEL, now=NOW, delivery_id=42, **more)


def test_a_briefing_email_reads_well_in_a_mail_client(tmp_path: Path) -> None:
    with MailSink() as sink:
        settings = load_settings(
            data_dir=tmp_path, public_url="https://aube.example.org/", **sink.settings()
        )
        channel = EmailChannel(settings)
        receipt = channel.send(channel.prepare(outgoing()))
        channel.close()
        (got,) = sink.wait_for(1)
    msg = got.message
    assert got.recipients == ["ada@mail.example"] and got.sender == "briefing@aube.example"
    assert receipt == msg["Message-ID"] == "<aube.2026-11-28.42@aube.example>"
    assert msg["Subject"] == "Your briefing for Saturday 28 November: Central bank holds rates"
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["List-Unsubscribe"] == "<https://aube.example.org/unsubscribe/unsub-token-123>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Auto-Submitted"] == "auto-generated"

    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    # Links to each card in the web app, in both parts.
    for c in EDITION.cards:
        assert f'href="https://aube.example.org/cards/{c.id}"' in html
        assert f"https://aube.example.org/cards/{c.id}" in text
    # Inline CSS only, no script, nothing from the feed rendered as markup.
    assert "<script" not in html.lower() and "<style" not in html.lower()
    assert "<link" not in html.lower() and "javascript:" not in html.lower()
    assert "&lt;script&gt;" in html and "&lt;b&gt;jump&lt;/b&gt;" in html
    assert len(re.findall(r'style="[^"]+"', html)) > 20
    assert 'href="https://good.example/a"' in html and ">Evil <span" in html  # shown, not linked
    # The update says what changed; the edition ends clearly.
    assert "Wire: markets react" in html and "Wire: markets react" in text
    assert "That's all for today." in unescape(html) and "That's all for today." in text
    assert "Good morning, Ada L." in html


def test_a_user_without_an_address_is_a_permanent_failure(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, smtp_host="127.0.0.1")
    nobody = User(**{**vars(USER), "email": None})
    with pytest.raises(DeliveryError, match="no email address") as info:
        build_message(settings, nobody, EDITION, key="k", unsubscribe_token=None, now=NOW)
    assert info.value.permanent


def test_no_smtp_server_configured_says_so(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match="smtp_host") as info:
        EmailChannel(load_settings(data_dir=tmp_path)).prepare(outgoing())
    assert info.value.permanent


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = self_signed(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    return made


def test_starttls_with_login(tmp_path: Path, cert: tuple[Path, Path]) -> None:
    with MailSink(tls_cert=cert, login=("aube", "s3cret")) as sink:
        settings = load_settings(
            data_dir=tmp_path,
            **sink.settings(
                smtp_security="starttls",
                smtp_ca_file=str(cert[0]),
                smtp_username="aube",
                smtp_password="s3cret",
            ),
        )
        channel = EmailChannel(settings)
        channel.send(channel.prepare(outgoing()))
        channel.close()
        assert len(sink.wait_for(1)) == 1

        wrong = EmailChannel(
            load_settings(
                data_dir=tmp_path,
                **sink.settings(
                    smtp_security="starttls",
                    smtp_ca_file=str(cert[0]),
                    smtp_username="aube",
                    smtp_password="nope",
                ),
            )
        )
        with pytest.raises(DeliveryError, match="refused the login of 'aube'") as info:
            wrong.send(wrong.prepare(outgoing()))
        assert (
            not info.value.maybe_sent and not info.value.permanent
        )  # fix the settings, it retries
        assert len(sink.handler.messages()) == 1


def test_an_untrusted_certificate_is_refused(tmp_path: Path, cert: tuple[Path, Path]) -> None:
    with MailSink(tls_cert=cert) as sink:
        channel = EmailChannel(
            load_settings(data_dir=tmp_path, **sink.settings(smtp_security="starttls"))
        )  # the system's CAs do not know this certificate
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED|certificate verify"):
            channel.send(channel.prepare(outgoing()))
        assert sink.handler.messages() == []


def test_starttls_is_required_when_asked(tmp_path: Path) -> None:
    with MailSink() as sink:  # a server that does not offer STARTTLS
        channel = EmailChannel(
            load_settings(data_dir=tmp_path, **sink.settings(smtp_security="starttls"))
        )
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            channel.send(channel.prepare(outgoing()))
        assert sink.handler.messages() == []


def test_tls_from_the_start(tmp_path: Path, cert: tuple[Path, Path]) -> None:
    with MailSink(tls_cert=cert, implicit_tls=True) as sink:
        channel = EmailChannel(
            load_settings(
                data_dir=tmp_path, **sink.settings(smtp_security="ssl", smtp_ca_file=str(cert[0]))
            )
        )
        channel.send(channel.prepare(outgoing()))
        channel.close()
        assert [r.message["Message-ID"] for r in sink.wait_for(1)] == [
            "<aube.2026-11-28.42@aube.example>"
        ]


def test_refusals_say_whether_to_retry(tmp_path: Path) -> None:
    handler = MailHandler(refuse={"ada@mail.example"})
    with MailSink(handler) as sink:
        channel = EmailChannel(load_settings(data_dir=tmp_path, **sink.settings()))
        with pytest.raises(
            DeliveryError, match="refused the recipient ada@mail.example: 550"
        ) as info:
            channel.send(channel.prepare(outgoing()))
        assert info.value.permanent and not info.value.maybe_sent
        # The same connection goes on serving the next message.
        handler.refuse.clear()
        channel.send(channel.prepare(outgoing()))
        assert len(sink.wait_for(1)) == 1
        channel.close()
    # A server that is not there: retry later, nothing was sent.
    with pytest.raises(DeliveryError, match="cannot talk to the mail server") as info:
        channel = EmailChannel(load_settings(data_dir=tmp_path, **sink.settings()))
        channel.send(channel.prepare(outgoing()))
    assert not info.value.permanent and not info.value.maybe_sent
