"""A browser over the real app, on real news (late January 2026, six publishers) embedded
with MiniLM, with an administrator who opened sign-up. Screenshots of the main pages go to
docs/screenshots/ only when AUBE_SCREENSHOTS=1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from e2e.live import CHROMIUM, CHROMIUM_ARGS, live_app
from newsworld import ingest_until, load_records
from playwright.sync_api import Browser, Page, sync_playwright
from support import REPO, needs_shared_data

from aube.clock import fixed_clock
from aube.config import load_settings
from aube.store import Store
from aube.web.passwords import hash_password

pytestmark = needs_shared_data
MORNING = datetime(2026, 1, 29, 7, 0, tzinfo=UTC)
SHOTS = REPO / "docs" / "screenshots"
# Read at import: the fixtures clear AUBE_* variables so no test sees a developer's settings.
TAKE_SCREENSHOTS = os.environ.get("AUBE_SCREENSHOTS") == "1"


@dataclass
class Live:
    url: str
    store: Store


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent (scripts/install --test installs Debian's chromium)")
    settings = load_settings(data_dir=tmp_path_factory.mktemp("e2e"), embed_backend="minilm")
    store = Store.open(settings)
    ingest_until(store, settings, load_records(), MORNING)
    store.add_user("root", now=MORNING, is_admin=True, password_hash=hash_password("root password"))
    store.set_site_setting("signup", "open")
    with live_app(settings, store, fixed_clock(MORNING)) as url:
        yield Live(url, store)
    store.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """docs/screenshots/<name>.png, only when asked (AUBE_SCREENSHOTS=1): never in CI."""
    if TAKE_SCREENSHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
