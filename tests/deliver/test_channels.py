"""A user's channels: opt in and out, one-click unsubscribe, "send me a test", and the CLI
(``aube channels``, ``aube run``, ``aube deliveries``) over a real store and SMTP server."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from deliver.helpers import MailSink, add_news, add_reader
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from aube.cli import app
from aube.clock import fixed_clock
from aube.compose.edition import local_date
from aube.config import load_settings
from aube.deliver import render_atom, service
from aube.errors import InvalidInput, NotFound
from aube.pipeline.worker import PERSONAL_KINDS, Worker
from aube.store import Store

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def test_opt_in_out_and_one_click_unsubscribe(tmp_path: Path) -> None:
    with MailSink() as sink:
        settings = load_settings(
            data_dir=tmp_path / "data", embed_backend="hashing", **sink.settings()
        )
        store = Store.open(settings)
        add_news(store, settings, NOW - timedelta(hours=2))
        ada = add_reader(store, settings, "ada", NOW - timedelta(days=1))
        nomail = add_reader(store, settings, "zed", NOW - timedelta(days=1), email=False)
        with pytest.raises(InvalidInput, match="no email address"):
            service.enable_email(store, settings, nomail, now=NOW)
        with pytest.raises(InvalidInput, match="smtp_host"):
            service.enable_email(store, load_settings(data_dir=tmp_path / "x"), ada, now=NOW)

        channel = service.enable_email(store, settings, ada, now=NOW)
        assert (
            Worker(store, settings, fixed_clock(NOW)).run_once(kinds=PERSONAL_KINDS).counts["sent"]
            == 1
        )
        (got,) = sink.wait_for(1)
        link = re.search(r"<(.+)>", got.message["List-Unsubscribe"]).group(1)
        token = link.rsplit("/", 1)[1]
        assert token == channel.unsubscribe_token

        assert service.unsubscribe(store, token, now=NOW).id == ada.id
        assert service.unsubscribe(store, token, now=NOW).id == ada.id  # a second click is fine
        assert not store.get_channel(ada.id, channel.id).enabled
        with pytest.raises(NotFound, match="not valid"):
            service.unsubscribe(store, "forged-token", now=NOW)
        # Back on the same day: today's edition was delivered already, so nothing is resent.
        service.enable_email(store, settings, ada, now=NOW + timedelta(minutes=5))
        later = Worker(store, settings, fixed_clock(NOW + timedelta(hours=1))).run_once(
            kinds=PERSONAL_KINDS
        )
        assert later.jobs == 0 and len(sink.handler.messages()) == 1
        store.close()


def test_send_me_a_test_on_each_channel(tmp_path: Path) -> None:
    receiver = HTTPServer(host="127.0.0.1", port=0)
    receiver.start()
    posted: list[dict] = []

    def keep(request: Request) -> Response:
        posted.append(json.loads(request.get_data()))
        return Response("ok")

    receiver.expect_request("/hook").respond_with_handler(keep)
    try:
        with MailSink() as sink:
            settings = load_settings(
                data_dir=tmp_path / "data",
                embed_backend="hashing",
                notify_allow_networks=["127.0.0.0/8"],
                **sink.settings(),
            )
            store = Store.open(settings)
            ada = add_reader(store, settings, "ada", NOW - timedelta(days=1))
            bob = add_reader(store, settings, "bob", NOW - timedelta(days=1))
            email = service.enable_email(store, settings, ada, now=NOW)
            hook = service.add_apprise(
                store, settings, ada, f"json://127.0.0.1:{receiver.port}/hook", now=NOW
            )
            feed, _ = service.create_feed(store, ada, now=NOW)

            # No edition yet: the test still goes out, saying so.
            assert service.send_test(store, settings, ada, email.id, now=NOW).startswith(
                "<aube.test."
            )
            (got,) = sink.wait_for(1)
            assert got.message["Subject"].startswith("[Test] Your briefing for")
            assert "your email channel works" in got.message.get_body(("plain",)).get_content()
            service.send_test(store, settings, ada, hook.id, now=NOW)
            assert posted[0]["title"] == "[Test] Your Aube briefing is ready"
            assert "live" in service.send_test(store, settings, ada, feed.id, now=NOW)
            # A test is not the day's delivery: the real one still goes out.
            assert store.list_deliveries(user_id=ada.id) == []
            with pytest.raises(NotFound):
                service.send_test(store, settings, bob, email.id, now=NOW)  # not bob's channel
            with pytest.raises(InvalidInput, match="already"):
                service.add_apprise(
                    store, settings, ada, f"json://127.0.0.1:{receiver.port}/hook", now=NOW
                )
            store.close()
    finally:
        receiver.stop()


def cli(args: list[str], data: Path, env: dict[str, str]) -> str:
    result = CliRunner().invoke(
        app, ["--data-dir", str(data), *args], env={"COLUMNS": "200", **env}
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_for_channels_runs_and_deliveries(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with MailSink() as sink:
        env = {
            "AUBE_EMBED_BACKEND": "hashing",
            "AUBE_SMTP_HOST": "127.0.0.1",
            "AUBE_SMTP_PORT": str(sink.port),
            "AUBE_SMTP_SECURITY": "none",
            "AUBE_MAIL_FROM": "Aube <briefing@aube.example>",
            "AUBE_PUBLIC_URL": "https://aube.example.org",
        }
        settings = load_settings(data_dir=data, embed_backend="hashing")
        store = Store.open(settings)
        now = datetime.now(UTC)
        add_news(store, settings, now - timedelta(hours=30))
        ada = add_reader(store, settings, "ada", now - timedelta(days=2), morning="00:00")
        store.close()

        assert "Email briefings on for ada" in cli(["channels", "add", "ada", "email"], data, env)
        out = cli(["channels", "add", "ada", "atom"], data, env)
        (url,) = re.findall(r"https://aube\.example\.org/feed/\S+\.atom", out)
        listing = cli(["channels", "list", "ada"], data, env)
        assert "email" in listing and "atom" in listing and "revoked" not in listing
        assert "live" in cli(["channels", "feed", "ada"], data, env)

        today = local_date(ada, datetime.now(UTC))
        out = cli(["run", "--user", "ada", "--date", today, "-q"], data, env)
        assert "sent 2" in out
        assert len(sink.wait_for(1)) == 1
        again = cli(["run", "--user", "ada", "-q"], data, env)
        assert "nothing due" in again and len(sink.handler.messages()) == 1
        yesterday = (datetime.fromisoformat(today) - timedelta(days=1)).date().isoformat()
        assert "never sent" in cli(["run", "--user", "ada", "--date", yesterday, "-q"], data, env)

        store = Store.open(settings)
        token = url.rsplit("/", 1)[1].removesuffix(".atom")
        feed = feedparser.parse(render_atom(store, settings, token))
        assert len(feed.entries) == len(store.get_edition(ada.id, today).cards) > 0

        history = cli(["deliveries", "list", "--user", "ada"], data, env)
        assert history.count("sent") >= 2
        assert "Test sent" in cli(["channels", "test", "ada", "email"], data, env)
        assert len(sink.wait_for(2)) == 2
        assert "Email briefings turned off" in cli(
            ["channels", "remove", "ada", "email"], data, env
        )
        assert "revoked" in cli(["channels", "feed", "ada", "--revoke"], data, env)
        with pytest.raises(NotFound):
            render_atom(store, settings, token)
        with pytest.raises(InvalidInput, match="only a failed or perhaps-sent"):
            cli(
                ["deliveries", "resend", str(store.list_deliveries(user_id=ada.id)[0].id)],
                data,
                env,
            )
        store.close()
