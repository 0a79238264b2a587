"""The pages a reader uses, through the app's real routes: what a person would notice."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape
from pathlib import Path

from web.client import Browser
from web.owned import wait_for_job
from web.world import NOW, World

from aube.clock import fixed_clock
from aube.compose.edition import END_MARKER, local_date
from aube.config import load_settings
from aube.store import NewCard, NewEdition, Store
from aube.types import Card, Edition
from aube.web import create_app

CARD = re.compile(r'<article class="card[^"]*" id="card-(\d+)"')


def cards_on(html: str) -> list[int]:
    return [int(n) for n in CARD.findall(html)]


def test_today_shows_the_edition_as_cards_and_its_end(ana: Browser, world: World) -> None:
    page = ana.get("/")
    assert page.status_code == 200
    text = unescape(page.text)
    edition = world.store.get_edition(world.ana.id, local_date(world.ana, NOW))
    assert edition is not None and edition.cards
    assert cards_on(page.text) == [c.id for c in edition.cards]
    for card in edition.cards:
        assert card.headline in text and card.summary in text and card.reason in text
        for s in card.sources:
            assert f'href="{s.url}"' in page.text and s.publisher in text
    assert text.count("Why it is here") == len(edition.cards)
    assert END_MARKER in text
    assert "Tuesday 3 March 2026" in text  # the reader's local day, in words


def test_feedback_without_javascript_is_a_form_post_that_comes_back(
    ana: Browser, world: World
) -> None:
    page = ana.get("/")
    card = cards_on(page.text)[0]
    back = ana.post(f"/cards/{card}/feedback", {"action": "save", "next": f"/#card-{card}"})
    assert back.url.path == "/"
    assert world.store.get_card(world.ana.id, card).saved
    assert re.search(
        rf'id="card-{card}".*?value="unsave" aria-pressed="true"', back.text, re.DOTALL
    )
    saved = ana.get("/saved")
    assert cards_on(saved.text) == [card]
    ana.post(f"/cards/{card}/feedback", {"action": "dismiss"})
    assert re.search(rf'class="card kind-\w+ is-dismissed" id="card-{card}"', ana.get("/").text)


def test_feedback_with_javascript_answers_json(ana: Browser, world: World) -> None:
    card = cards_on(ana.get("/").text)[1]
    reply = ana.client.post(
        f"/cards/{card}/feedback",
        data={"action": "down"},
        headers={"Accept": "application/json", "X-CSRF-Token": ana.token},
    )
    assert reply.status_code == 200
    assert reply.json()["card"] == {
        "id": card,
        "saved": False,
        "dismissed": False,
        "feedback": "down",
    }
    log = world.store.feedback_log(world.ana.id)
    assert log[0]["card_id"] == card and log[0]["action"] == "down"


def test_unknown_feedback_is_refused_with_its_name(ana: Browser) -> None:
    card = cards_on(ana.get("/").text)[0]
    reply = ana.post(f"/cards/{card}/feedback", {"action": "explode"})
    assert reply.status_code == 400 and "explode" in reply.text


def test_card_detail_has_every_source_the_timeline_and_earlier_cards(
    ana: Browser, world: World
) -> None:
    edition = world.store.get_edition(world.ana.id, local_date(world.ana, NOW))
    assert edition is not None
    card = max(edition.cards, key=lambda c: len(c.sources))
    page = ana.get(f"/cards/{card.id}")
    assert page.status_code == 200
    assert "How the story developed" in page.text
    story = world.store.get_story(card.story_id)  # type: ignore[arg-type]
    for item in story.items:
        assert item.title in page.text
    # An earlier card on the same story (yesterday's edition) is linked.
    world.store.save_editions([_copy_as(edition, "2026-03-02", card)], now=NOW)
    earlier = [
        c for c in world.store.cards_for_story(world.ana.id, card.story_id) if c.id != card.id
    ]  # type: ignore[arg-type]
    page = ana.get(f"/cards/{card.id}")
    assert (
        "Your earlier cards on this story" in page.text
        and f'href="/cards/{earlier[0].id}"' in page.text
    )


def _copy_as(edition: Edition, day: str, card: Card) -> NewEdition:
    """A copy of ``card`` in an edition of another day (an earlier card on the same story)."""
    return NewEdition(
        user_id=edition.user_id,
        date=day,
        quiet=True,
        cards=[
            NewCard(
                kind="story",
                story_id=card.story_id,
                story_version=card.story_version,
                headline=card.headline + " (yesterday)",
                summary=card.summary,
                reason=card.reason,
                interest_id=None,
                interest_label="",
                sources=[],
                changes=[],
                score=0.5,
            )
        ],
    )


def test_an_earlier_edition_and_the_history(ana: Browser, world: World) -> None:
    edition = world.store.get_edition(world.ana.id, local_date(world.ana, NOW))
    assert edition is not None
    world.store.save_editions([_copy_as(edition, "2026-03-02", edition.cards[0])], now=NOW)
    history = ana.get("/history")
    assert 'href="/editions/2026-03-02"' in history.text
    page = ana.get("/editions/2026-03-02")
    assert "Monday 2 March 2026" in page.text and "(yesterday)" in page.text
    assert ana.get("/editions/2026-02-01").status_code == 404
    assert ana.get("/editions/not-a-date").status_code == 404


def test_curate_request_is_listed_with_its_expiry_and_removable(ana: Browser, world: World) -> None:
    page = ana.post("/curate", {"text": "less football this week"})
    assert page.url.path == "/curate" and "It shapes your next edition" in page.text
    (request,) = world.store.list_requests(world.ana.id, now=NOW)
    assert request.action == "less" and request.expires_at is not None
    assert "less football this week" in page.text and "until Sun 8 Mar, 23:59" in page.text
    gone = ana.post(f"/curate/{request.id}/remove")
    assert world.store.list_requests(world.ana.id, now=NOW) == []
    assert "No active request" in gone.text


def test_regenerate_applies_a_curate_request_at_once(ana: Browser, world: World) -> None:
    before = ana.get("/").text
    assert "Bitcoin" in before
    ana.post("/curate", {"text": "nothing about bitcoin crypto markets", "next": "/"})
    after = ana.post("/today/regenerate")
    assert "rebuilt" in after.text
    assert "Bitcoin" not in after.text and cards_on(after.text)


def test_profile_shows_weights_and_evidence_and_edits_them(ana: Browser, world: World) -> None:
    page = ana.get("/profile")
    interests = world.store.list_interests(world.ana.id)
    for i in interests:
        assert i.label in page.text
        assert f"{i.weight:.1f}" in page.text
    target = interests[0]
    ana.post(
        f"/profile/interests/{target.id}", {"label": "Rust language", "weight": "2.5", "sign": "1"}
    )
    changed = world.store.get_interest(world.ana.id, target.id)
    assert (changed.label, changed.weight, changed.edited) == ("Rust language", 2.5, True)
    bad = ana.post(f"/profile/interests/{target.id}", {"label": "x", "weight": "11", "sign": "1"})
    assert (
        bad.status_code == 400 and world.store.get_interest(world.ana.id, target.id).weight == 2.5
    )
    ana.post(f"/profile/interests/{target.id}/delete")
    assert target.id not in {i.id for i in world.store.list_interests(world.ana.id)}
    ana.post("/profile/topics", {"topics": "Formula 1\nhousing policy"})
    labels = {i.label for i in world.store.list_interests(world.ana.id)}
    assert {"Formula 1", "housing policy"} <= labels


def test_settings_are_validated_by_the_store_and_saved(ana: Browser, world: World) -> None:
    form = {
        "display_name": "Ana P.",
        "email": "ana@example.org",
        "timezone": "Asia/Tokyo",
        "morning_time": "06:15",
        "edition_size": "5",
    }
    page = ana.post("/settings", form)
    assert page.status_code == 200 and "Saved." in page.text
    user = world.store.get_user(world.ana.id)
    assert (user.timezone, user.morning_time, user.edition_size) == ("Asia/Tokyo", "06:15", 5)
    bad = ana.post("/settings", form | {"timezone": "Mars/Olympus"})
    assert bad.status_code == 400 and "Mars/Olympus" in bad.text
    assert world.store.get_user(world.ana.id).timezone == "Asia/Tokyo"


def test_sources_add_remove_and_opml(ana: Browser, world: World) -> None:
    page = ana.post("/settings/sources", {"url": "https://blog.example.org/feed.xml"})
    assert "https://blog.example.org/feed.xml" in page.text
    added = world.store.get_source("https://blog.example.org/feed.xml")
    assert not added.is_default and added.id in world.store.user_source_ids(world.ana.id)
    assert added.id not in world.store.user_source_ids(world.bob.id)
    bad = ana.post("/settings/sources", {"url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "not a web address" in bad.text
    ana.post(f"/settings/sources/{added.id}/remove")
    assert added.id not in world.store.user_source_ids(world.ana.id)
    opml = (
        b'<?xml version="1.0"?><opml version="2.0"><head/><body>'
        b'<outline text="Tech"><outline text="LWN" xmlUrl="https://lwn.net/headlines/rss"/></outline>'
        b"</body></opml>"
    )
    ana.post("/settings/sources/opml", files={"file": ("subs.opml", opml, "text/xml")})
    lwn = world.store.get_source("https://lwn.net/headlines/rss")
    assert lwn.id in world.store.user_source_ids(world.ana.id) and lwn.title == "LWN"
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>'
    refused = ana.post("/settings/sources/opml", files={"file": ("x.opml", hostile, "text/xml")})
    assert refused.status_code == 400 and "DOCTYPE" in refused.text


def test_a_new_account_gets_a_first_edition_right_after_choosing_topics(
    browser: Browser, world: World
) -> None:
    browser.get("/signup")
    page = browser.post(
        "/signup",
        {
            "handle": "cleo",
            "password": "a long password",
            "password2": "a long password",
            "timezone": "Europe/Paris",
        },
    )
    assert page.url.path == "/welcome"  # sign-up is open while no administrator exists
    today = browser.post("/welcome", {"topic": ["Trade and tariffs"], "topics": "volcano eruption"})
    assert today.url.path == "/"
    assert "Volcano" in today.text and cards_on(today.text)


def test_an_empty_store_says_kindly_that_news_comes_later(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "empty", embed_backend="hashing")
    empty = Store.open(settings)
    b = Browser(create_app(settings, store=empty, clock=fixed_clock(NOW)))
    b.get("/signup")
    b.post(
        "/signup", {"handle": "dan", "password": "a long password", "password2": "a long password"}
    )
    page = b.post("/welcome", {"topics": "anything"})
    assert "has not read any news yet" in page.text
    empty.close()


def test_rebuilding_keeps_todays_stories_but_not_a_dismissed_one(ana: Browser) -> None:
    before = cards_on(ana.get("/").text)
    headline = re.search(rf'id="card-{before[0]}-title"><a [^>]*>([^<]+)', ana.get("/").text).group(
        1
    )  # type: ignore[union-attr]
    ana.post(f"/cards/{before[0]}/feedback", {"action": "dismiss"})
    after = ana.post("/today/regenerate")
    assert len(cards_on(after.text)) >= len(before) - 1 > 0
    assert headline not in after.text


def test_importing_notes_by_upload_shows_progress_then_the_interests(
    ana: Browser, world: World
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("vault/tides.md", "# Tidal energy\nNotes on tidal turbines and barrages.")
        z.writestr("vault/.obsidian/app.json", "{}")
    upload = ana.client.post(
        "/profile/imports",
        data={"kind": "notes", "csrf_token": ana.token},
        files={"file": ("vault.zip", buffer.getvalue(), "application/zip")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    job = upload.headers["location"]
    page = ana.get(job)
    assert page.status_code == 200 and "<progress" in page.text
    status = wait_for_job(ana, job)
    assert status["state"] == "done" and "Read 1 note" in status["message"]
    assert status["next"] == "/profile"
    done = ana.get(job)
    assert "Done." in done.text and 'http-equiv="refresh"' not in done.text
    profile = ana.get("/profile").text
    assert "Tidal energy" in profile and "vault.zip" in profile


def test_a_broken_export_fails_with_a_reason_and_changes_nothing(
    ana: Browser, world: World
) -> None:
    before = len(world.store.list_interests(world.ana.id))
    upload = ana.client.post(
        "/profile/imports",
        data={"kind": "chatgpt", "csrf_token": ana.token},
        files={"file": ("conversations.json", b"{not json", "application/json")},
        follow_redirects=False,
    )
    status = wait_for_job(ana, upload.headers["location"])
    assert status["state"] == "failed" and "not valid JSON" in status["message"]
    assert len(world.store.list_interests(world.ana.id)) == before
    empty = ana.client.post(
        "/profile/imports",
        data={"kind": "chatgpt", "csrf_token": ana.token},
        files={"file": ("x.json", b"", "application/json")},
    )
    assert empty.status_code == 400 and "empty" in empty.text
