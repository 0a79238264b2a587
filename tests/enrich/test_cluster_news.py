"""Clustering real RSS items (title + 1-2 sentence summary) with the real model, night by night."""

import html
import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aube.enrich.cluster import ClusterItem
from aube.enrich.embed import get_embedder, item_text
from aube.enrich.entities import extract_entities, extract_numbers, ordinary_words
from aube.evaluate.clusters import replay

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
ITEMS = SHARED_DATA / "rss_archive_orx365" / "items.jsonl"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent"),
]


def _plain(markup: str) -> str:
    # The feeds' summaries hold HTML; ingest hands clustering plain text.
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


@pytest.fixture(scope="module")
def fed_week() -> dict[str, int]:
    """Title -> story id for the items of 15-19 September 2025, replayed one night at a time."""
    start, end = datetime(2025, 9, 15, tzinfo=UTC), datetime(2025, 9, 20, tzinfo=UTC)
    with open(ITEMS, encoding="utf-8") as f:
        rows = [
            r for r in map(json.loads, f) if start <= datetime.fromisoformat(r["pub_date"]) < end
        ]
    texts = [item_text(r["title"], _plain(r["summary"] or "")) for r in rows]
    vectors = get_embedder("minilm").embed(texts)
    nights: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        nights[r["pub_date"][:10]].append(i)
    batches = []
    for night in sorted(nights):
        ordinary = ordinary_words([texts[i] for i in nights[night]])
        batches.append(
            [
                ClusterItem(
                    i,
                    datetime.fromisoformat(rows[i]["pub_date"]),
                    vectors[i],
                    extract_entities(texts[i], ordinary=ordinary),
                    extract_numbers(texts[i]),
                    rows[i]["feed_file"].split("_")[0].split(".")[0],
                )
                for i in nights[night]
            ]
        )
    story_of = replay(batches)
    return {rows[i]["title"]: sid for i, sid in story_of.items()}


def _story(stories: dict[str, int], title_start: str) -> int:
    (sid,) = {sid for title, sid in stories.items() if title.startswith(title_start)}
    return sid


def test_the_fed_cut_is_one_story_across_publishers(fed_week):
    nyt = _story(fed_week, "Fed Cuts Rates for First Time This Year")
    assert nyt == _story(fed_week, "The Fed lowered rates by a quarter point")


def test_the_tiktok_deal_is_one_story_and_not_the_fed(fed_week):
    tiktok = _story(fed_week, "U.S. Reaches Outline of Deal With China Over TikTok")
    assert tiktok == _story(fed_week, "U.S., China Conclude Talks With ‘Framework’ on TikTok Sale")
    assert tiktok != _story(fed_week, "Fed Cuts Rates for First Time This Year")


def test_unrelated_news_of_the_same_days_stays_out(fed_week):
    fed = _story(fed_week, "Fed Cuts Rates for First Time This Year")
    santos = _story(fed_week, "Abu Dhabi’s Adnoc abandons $18.7bn bid")
    assert santos == _story(fed_week, "Santos shares slump after Abu Dhabi’s Adnoc abandons")
    assert santos != fed
    members = [title for title, sid in fed_week.items() if sid == fed]
    assert not any("TikTok" in t or "Israel" in t or "Poland" in t for t in members)
