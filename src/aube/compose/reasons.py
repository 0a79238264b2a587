"""The one line on each card that says why it is here, naming the interest and its origin."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aube.types import Story


def _day(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B}"


def _because(detail: dict[str, Any], timezone: str) -> str:
    label = detail["label"]
    origin = detail["origin"]
    when = _day(detail.get("latest_at"), timezone)
    if origin == "curate":
        asked = _day(detail.get("requested_at"), timezone)
        return f"You asked “{detail.get('request') or label}” on {asked}"
    if origin == "chat":
        n = detail.get("evidence", 0)
        chats = f"{n} conversation{'s' if n != 1 else ''}"
        return f"From your chats about “{label}” ({chats}, the latest on {when})"
    if origin == "note":
        return f"From your notes: “{label}” ({detail.get('latest_ref', '')})"
    if origin == "feedback":
        return f"You liked “{label}” on {when}"
    if origin == "onboarding":
        return f"You follow “{label}”"
    return f"In your profile: “{label}”"


def reason_for(
    detail: dict[str, Any] | None,
    story: Story,
    *,
    is_top: bool,
    is_update: bool,
    seen: tuple[int, datetime, bool] | None,
    timezone: str,
) -> str:
    if is_top or detail is None:
        base = f"Top story today: {story.publisher_count} publishers cover it"
    else:
        base = _because(detail, timezone)
    if is_update and seen is not None:
        return f"Update on a story you saw on {_day(seen[1], timezone)}. {base}"
    return base
