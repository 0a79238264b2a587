"""Reading the times people type: "24h", "3d", "90m", "2w", or an ISO date/time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from aube.errors import InvalidInput

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match:
        raise InvalidInput(f"{text!r} is not a duration (e.g. 90m, 24h, 3d, 2w)")
    return timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})


def parse_since(text: str, now: datetime) -> datetime:
    """A moment: ``now`` minus a duration, or an ISO date/time (UTC when no offset is given)."""
    if _DURATION.match(text):
        return now - parse_duration(text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is neither a duration (24h, 3d) nor an ISO date/time (2026-11-28T06:00)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
