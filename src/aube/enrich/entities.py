"""Cheap evidence for clustering: the names and the numbers a text mentions.

No model, no tagger: a few regular expressions over the title and text. The results are
normalized keys (lower case, no punctuation) meant to be *compared* between two items
("do these two texts name the same people and quote the same figures?"), not displayed.
Noise that slips through (a capitalized common word in a headline) is tolerable because the
clusterer weights every key by how rare it is among recent items.

Decisions:

* A name is a run of capitalized words (``Jerome Powell``, ``Bank of England``) or an
  acronym (``U.S.`` -> ``us``, ``F.B.I.`` -> ``fbi``). Both the whole run and each of its words
  are emitted, so ``James Mattis`` and ``Jim Mattis`` still share ``mattis``.
* A capitalized word is *not* a name when it is a stop word, a month or a weekday, or when the
  same text also uses it in lower case (``Cuts`` in a headline, ``cuts`` in the summary).
  Headlines in Title Case are handled by that rule and by rarity weighting, nothing more.
* A number counts when it carries a currency, a percent, a magnitude word (``million``,
  ``bn``) or thousands separators. Bare years (1900-2100), ordinals (``21st``) and bare small
  integers (``3 weeks``) are ignored: they are shared by unrelated stories far too often.
  Canonical forms: ``$1.5bn`` and ``$1,500 million`` -> ``$1.5b``; ``25 per cent`` -> ``25%``;
  ``0.25 percentage point`` -> ``0.25pp``; ``50 million`` -> ``50m``; ``2,000`` -> ``2000``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

__all__ = ["extract_entities", "extract_numbers", "ordinary_words"]

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
# Words that are capitalized in headlines and datelines but name nothing.
_GENERIC = (
    "mr mrs ms dr sen rep gov opinion analysis update live exclusive breaking watch video "
    "says said new news report today yesterday tomorrow week year years day days month "
    "is are was were be been has have had will would can could should may might must "
    "how why what who when where which here there"
)
_NOT_NAMES = frozenset(ENGLISH_STOP_WORDS) | frozenset(f"{_MONTHS} {_DAYS} {_GENERIC}".split())
# Lower-case words allowed inside a name: "Bank of England", "Charles de Gaulle".
_CONNECTORS = frozenset(
    ["of", "de", "du", "da", "del", "der", "van", "von", "la", "le", "al", "bin"]
)

_WORD = r"[^\W\d_a-z][\w'’&.-]*"  # starts with a capital (any script); may hold dots: "U.S."
# Capitalized words separated by single spaces, with at most one connector between two of
# them. Punctuation (a comma, a dash, a quote, a line break) ends a run.
_RUN = re.compile(rf"{_WORD}(?:[ \t](?:(?:{'|'.join(sorted(_CONNECTORS))})[ \t])?{_WORD})*")
_LOWER = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]*")
_ACRONYM = re.compile(r"(?:[A-Za-z]\.){2,}")
# URLs and file names carry letters and digits that are neither names nor figures.
_URL = re.compile(r"\S*(?:://|www\.|%[0-9A-Fa-f]{2})\S*|<[^>]*>")


def extract_entities(text: str, *, ordinary: Collection[str] = ()) -> frozenset[str]:
    """Normalized names and acronyms in ``text`` (a title and body joined by a newline).

    ``ordinary``: lower-case words known to be common words in the caller's corpus (see
    ``ordinary_words``); they are never names, which cleans up Title Case headlines."""
    found: set[str] = set()
    text = _without_urls(text)
    lower_words = _lower_words(text)
    for match in _RUN.finditer(text):
        run: list[str] = []
        for raw in match.group().split():
            if raw in _CONNECTORS:
                if run:
                    run.append(raw)
                continue
            word = raw if _ACRONYM.fullmatch(raw) else raw.rstrip(".")
            bare = _strip_possessive(word).strip("-&")
            key = bare.replace(".", "").lower()
            if _is_name(bare, key, lower_words, ordinary):
                run.append(key)
                if "-" in bare:
                    # "Israel-Iran", "US-China": each capitalized part is a name too.
                    found.update(
                        p.lower()
                        for p in bare.split("-")
                        if p[:1].isupper() and len(p) > 1 and p.lower() not in _NOT_NAMES
                    )
                if bare != word or raw.endswith("."):
                    # "England's" ends "Bank of England's chief"; a period may end a sentence.
                    _flush(run, found)
            else:
                _flush(run, found)
        _flush(run, found)
    return frozenset(found)


def _is_name(word: str, key: str, lower_words: frozenset[str], ordinary: Collection[str]) -> bool:
    if len(key) < 2 or not key.replace("-", "").replace("&", "").replace("'", "").isalnum():
        return False
    if "." in word or (word.isupper() and (key not in _NOT_NAMES or key == "us")):
        # An acronym. "US" is a name even though "us" is a stop word; "AM" in a shouted
        # headline is not.
        return True
    if key in _NOT_NAMES:
        return False
    if not word[1:].islower() and word[1:].isalpha():
        return True  # CamelCase: "JPMorgan", "McCain"
    # Capitalized, and not an ordinary word: neither written in lower case elsewhere in this
    # text ("Cuts" in a headline, "cuts" in its summary) nor known as one by the caller.
    # Sentence-initial words get no special treatment: stop words catch "The" and "After",
    # and "Powell said" must keep "Powell".
    return key not in lower_words and key not in ordinary


def ordinary_words(texts: Iterable[str], *, min_texts: int = 2) -> frozenset[str]:
    """Words written in lower case in at least ``min_texts`` of ``texts``.

    A night's batch of items is enough to learn that "cuts" or "investors" are ordinary words,
    so their capitalized form at the start of a headline is not taken for a name."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(_lower_words(text))
    return frozenset(w for w, c in counts.items() if c >= min_texts)


def _flush(run: list[str], found: set[str]) -> None:
    while run and run[-1] in _CONNECTORS:
        run.pop()
    if not run:
        return
    words = [w for w in run if w not in _CONNECTORS]
    found.update(words)
    if len(words) > 1:
        found.add(" ".join(run))
    run.clear()


def _lower_words(text: str) -> frozenset[str]:
    """Words the text writes in lower case somewhere (hence ordinary words, not names)."""
    return frozenset(_strip_possessive(w) for w in _LOWER.findall(text))


def _strip_possessive(word: str) -> str:
    if word.endswith(("'s", "’s")):
        return word[:-2]
    return word[:-1] if word.endswith(("'", "’")) else word


def _without_urls(text: str) -> str:
    # The cheap test first: most texts hold no URL, and the pattern is slow to fail.
    if "://" in text or "www." in text or "%" in text or "<" in text:
        return _URL.sub(" ", text)
    return text


_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}
_CURRENCY = {"$": "$", "us$": "$", "£": "£", "€": "€", "¥": "¥", "a$": "a$", "c$": "c$"}
_CURRENCY_WORDS = {"dollars": "$", "dollar": "$", "euros": "€", "pounds": "£", "yen": "¥"}
_NUMBER = re.compile(
    r"""
    (?<![\w.])
    (?P<cur>US\$|A\$|C\$|[$£€¥])?\s?
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
    (?P<ord>st|nd|rd|th)?
    (?:\s?(?P<unit>%|percentage\s+points?|per\s?cent|basis\s+points?|bps|bp
        |trillion|billion|million|thousand|tn|bn|mn|mln|[kmbt](?![\w]))
    )?
    (?:\s(?P<curword>dollars?|euros|pounds|yen)\b)?
    """,
    re.VERBOSE | re.IGNORECASE,
)


def extract_numbers(text: str) -> frozenset[str]:
    """Canonical numbers with a currency, percent, magnitude or thousands separator."""
    found: set[str] = set()
    for m in _NUMBER.finditer(_without_urls(text)):
        if m.group("ord"):
            continue
        digits = m.group("num")
        value = float(digits.replace(",", ""))
        unit = (m.group("unit") or "").lower().replace(" ", "")
        cur = _CURRENCY.get((m.group("cur") or "").lower()) or _CURRENCY_WORDS.get(
            (m.group("curword") or "").lower(), ""
        )
        if unit in ("%", "percent") or unit.startswith("percentagepoint"):
            found.add(f"{_fmt(value)}{'pp' if 'point' in unit else '%'}")
        elif unit.startswith("basispoint") or unit in ("bps", "bp"):
            found.add(f"{_fmt(value / 100)}pp")
        elif unit in _SCALES:
            found.add(cur + _magnitude(value * _SCALES[unit]))
        elif cur:
            found.add(cur + _magnitude(value))
        elif "," in digits and value >= 1000:
            found.add(_fmt(value))
        elif "." in digits:
            # A bare decimal ("4.6") is specific enough; a bare integer is not.
            found.add(_fmt(value))
    return frozenset(found)


def _magnitude(value: float) -> str:
    for suffix, scale in (("t", 1e12), ("b", 1e9), ("m", 1e6)):
        if value >= scale:
            return f"{_fmt(value / scale)}{suffix}"
    return _fmt(value)


def _fmt(value: float) -> str:
    """Up to 3 significant digits, no trailing zeros: 1.50 -> 1.5, 2000.0 -> 2000."""
    if value >= 1000:
        return str(round(value))
    text = f"{value:.3g}" if value >= 1 else f"{value:.3f}"
    if "e" in text:  # 999.5 -> "1e+03"
        return str(round(value))
    return text.rstrip("0").rstrip(".") if "." in text else text
