"""The morning in a real browser (Debian's Chromium through Playwright) over the real app on
127.0.0.1: sign up, import a chat export, see the first edition, thumbs-down a card, type a
curate request, rebuild, see the change — on a laptop and on a phone; and the same pages
without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

from e2e.conftest import MORNING, Live, screenshot
from e2e.live import DESKTOP, PHONE
from newsworld import chat_export
from playwright.sync_api import Browser, Page, expect

GOLD = re.compile(r"\b(gold|silver|precious metals?)\b", re.IGNORECASE)
EXPORT = {
    "Gold price": [
        "Why is the price of gold at a record high?",
        "Should I buy gold or silver as a hedge against inflation?",
        "What drives precious metals prices?",
    ],
    "Fed policy": [
        "Why did the Federal Reserve keep interest rates unchanged?",
        "Who will succeed Jerome Powell as Fed chair?",
    ],
    "Trade": ["How do US tariffs on China affect trade?"],
}


def sign_up(page: Page, live: Live, handle: str) -> None:
    page.goto(live.url + "/signup")
    page.fill("#handle", handle)
    page.fill("#password", "a long password")
    page.fill("#password2", "a long password")
    page.click("button[type=submit].primary")
    expect(page).to_have_url(live.url + "/welcome")


def import_chats(page: Page, live: Live, tmp_path: Path) -> None:
    export = tmp_path / "conversations.json"
    export.write_bytes(chat_export(EXPORT, MORNING))
    page.set_input_files("#file", str(export))
    page.click("text=Import and build my edition")
    # The progress page polls the import, then lands on the first edition.
    page.wait_for_url(live.url + "/", timeout=120_000)


def headlines(page: Page) -> list[str]:
    return page.locator("article.card:not(.is-dismissed) h2").all_inner_texts()


def the_morning(page: Page, live: Live, tmp_path: Path, handle: str, shots: str) -> None:
    sign_up(page, live, handle)
    screenshot(page, f"{shots}-welcome", full_page=False)
    import_chats(page, live, tmp_path)
    cards = page.locator("article.card")
    expect(cards.first).to_be_visible()
    first = headlines(page)
    assert any(GOLD.search(h) for h in first), first
    expect(page.locator(".end-marker")).to_have_text("That's all for today.")
    screenshot(page, f"{shots}-today", full_page=False)

    # Thumbs down, in place: no page load.
    page.evaluate("window.__samePage = true")
    card = cards.first
    down = card.locator('button[value="down"]')
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#live")).to_have_text("Noted: not for you.")
    assert page.evaluate("window.__samePage") is True
    downed = card.locator("h2").inner_text()

    # A curate request, then a rebuild: the change shows.
    page.fill("#curate-text", "nothing about gold")
    page.press("#curate-text", "Enter")
    page.wait_for_url(re.compile(r"/\?ok=curate"))
    expect(page.locator(".flash")).to_contain_text("Noted")
    page.click("text=Rebuild today's edition")
    page.wait_for_url(re.compile(r"/\?ok=regenerated"))
    after = headlines(page)
    assert after, "the rebuilt edition is empty"
    assert not any(GOLD.search(h) for h in after), after
    assert downed not in after

    page.goto(live.url + "/curate")
    expect(page.locator("#main")).to_contain_text("nothing about gold")
    page.fill("#text", "recap the Fed decision tomorrow")
    page.click("button[type=submit].primary")
    expect(page.locator("#main")).to_contain_text("A recap of")
    expect(page.locator("#main")).to_contain_text("until Fri 30 Jan, 23:59")  # the reader's zone
    screenshot(page, f"{shots}-curate")


def test_the_morning_on_a_laptop(live: Live, chromium: Browser, tmp_path: Path) -> None:
    context = chromium.new_context(**DESKTOP, timezone_id="Europe/Paris")
    page = context.new_page()
    the_morning(page, live, tmp_path, "ana", "desktop")
    user = live.store.get_user("ana")
    assert user.timezone == "Europe/Paris"  # picked up from the browser at sign-up
    # The detail of a card: every source and the story's timeline.
    page.goto(live.url + "/")
    page.locator("article.card h2 a").first.click()
    expect(page.locator("#timeline")).to_be_visible()
    screenshot(page, "desktop-card")
    page.goto(live.url + "/profile")
    expect(page.locator(".interest").first).to_be_visible()
    screenshot(page, "desktop-profile")
    page.goto(live.url + "/settings/sources")
    screenshot(page, "desktop-sources")
    context.close()


def test_the_morning_on_a_phone_in_dark_mode(live: Live, chromium: Browser, tmp_path: Path) -> None:
    context = chromium.new_context(**PHONE, color_scheme="dark", timezone_id="America/New_York")
    page = context.new_page()
    the_morning(page, live, tmp_path, "bea", "phone")
    page.goto(live.url + "/")
    # Nothing is wider than the screen, and the page is dark.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert sum(int(x) for x in re.findall(r"\d+", background)[:3]) < 150, background
    context.close()


def test_readable_and_usable_without_javascript(live: Live, chromium: Browser) -> None:
    context = chromium.new_context(**DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(live.url + "/login")
    page.fill("#name", "ana")
    page.fill("#password", "a long password")
    page.click("button[type=submit].primary")
    expect(page).to_have_url(live.url + "/")
    card = page.locator("article.card").first
    card_id = card.get_attribute("id")
    card.locator('button[value="save"]').click()  # a plain form post and a page load
    expect(page.locator(f"#{card_id} button[value='unsave']")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.goto(live.url + "/saved")
    expect(page.locator(f"#{card_id}")).to_be_visible()
    # Keyboard: the first Tab reaches "Skip to content".
    page.goto(live.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    context.close()
