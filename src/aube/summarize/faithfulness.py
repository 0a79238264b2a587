"""Is a model-written summary backed by its story's sources? A pure check, before any LLM
text reaches a person.

Invented figures, dates, names and quotes are what readers complain about most in AI news
summaries, and what a small model produces most. The check is deliberately literal: every

* number (``3``, ``4.5%``, ``$1.5bn``, ``2,000``; spelled ones up to twelve included),
* date word (a year, a month, a weekday, "yesterday", "last week"…),
* name (a run of capitalized words or an acronym, as ``aube.enrich.entities`` finds them),
* quotation (a quoted span of three words or more)

in the output must be found in the sources (titles, feed summaries and texts of the
story's items). Figures are compared in canonical form, so ``$1.5 billion`` matches
``$1.5bn``; names match a source's name or appear in its text, whatever the case; quotes
must appear word for word (case, punctuation and spacing aside). A paraphrase that keeps
the facts passes; a fact the sources do not hold fails, even when it happens to be true,
because Aube cannot tell a reader where it came from."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aube.enrich.entities import extract_entities, extract_numbers

_DIGITS = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SPELLED = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "dozen": "12",
    "hundred": "100",
    "thousand": "1000",
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
}
# Words too common to be facts on their own ("one of the", "a second round").
_WEAK_SPELLED = {"one", "first", "second"}
_MONTHS = {
    "january": "january",
    "jan": "january",
    "february": "february",
    "feb": "february",
    "march": "march",
    "mar": "march",
    "april": "april",
    "apr": "april",
    "may": "may",
    "june": "june",
    "jun": "june",
    "july": "july",
    "jul": "july",
    "august": "august",
    "aug": "august",
    "september": "september",
    "sept": "september",
    "sep": "september",
    "october": "october",
    "oct": "october",
    "november": "november",
    "nov": "november",
    "december": "december",
    "dec": "december",
}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_RELATIVE = (
    "yesterday",
    "tomorrow",
    "tonight",
    "last night",
    "last week",
    "next week",
    "last month",
    "next month",
    "last year",
    "next year",
    "this weekend",
)
_QUOTE = re.compile(r"[\"“”«»]([^\"“”«»]{3,400})[\"“”«»]|(?<![\w])['‘]([^'‘’]{3,400})['’](?![\w])")


@dataclass(frozen=True)
class Verdict:
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check(output: Sequence[str], sources: Sequence[str]) -> Verdict:
    """Whether every fact in ``output`` (headline, sentences, key points) is in ``sources``."""
    text = "\n".join(t for t in output if t)
    source = "\n".join(t for t in sources if t)
    problems: list[str] = []
    problems += _numbers(text, source)
    problems += _dates(text, source)
    problems += _names(output, source)
    problems += _quotes(text, source)
    return Verdict(tuple(dict.fromkeys(problems)))  # each problem once, in order


def _numbers(text: str, source: str) -> list[str]:
    problems = []
    source_figures = extract_numbers(source)
    missing = sorted(extract_numbers(text) - source_figures)
    problems += [f"figure {figure!r} is not in the sources" for figure in missing]
    source_digits = _digit_values(source)
    source_words = _words(source)
    for match in _DIGITS.finditer(text):
        value = _plain_number(match.group())
        if any(value in figure for figure in missing):
            continue  # already reported as a figure
        if value not in source_digits and not _spelled_in(value, source_words):
            problems.append(f"number {match.group()!r} is not in the sources")
    for word in sorted(_words(text) & set(_SPELLED)):
        if word in _WEAK_SPELLED:
            continue
        if word not in source_words and _SPELLED[word] not in source_digits:
            problems.append(f"number {word!r} is not in the sources")
    return problems


def _dates(text: str, source: str) -> list[str]:
    problems = []
    text_words, source_words = _words(text), _words(source)
    source_months = {_MONTHS[w] for w in source_words if w in _MONTHS}
    for word in sorted(text_words):
        if word in _MONTHS and word != "may" and _MONTHS[word] not in source_months:
            problems.append(f"month {word!r} is not in the sources")
        elif word in _WEEKDAYS and word not in source_words:
            problems.append(f"day {word!r} is not in the sources")
    # "May" is also a verb: only a capitalized May next to a number is a month.
    for match in re.finditer(r"\bMay\s+\d{1,2}\b|\b\d{1,2}\s+May\b", text):
        if "may" not in source_months:
            problems.append(f"month {match.group()!r} is not in the sources")
    low_text, low_source = _flat(text), _flat(source)
    for phrase in _RELATIVE:
        if re.search(rf"\b{phrase}\b", low_text) and not re.search(rf"\b{phrase}\b", low_source):
            problems.append(f"date {phrase!r} is not in the sources")
    return problems  # years are numbers: checked there


def _names(output: Sequence[str], source: str) -> list[str]:
    problems = []
    source_words = _words(source)
    # Lower-case words of the sources are ordinary words, never names ("Officials said").
    source_names = extract_entities(source)
    low_source = _flat(source)
    for part in output:
        if not part:
            continue
        initial = _sentence_initial(part)
        for name in sorted(extract_entities(part, ordinary=source_words)):
            if name in source_names or _contains(low_source, name):
                continue
            if " " not in name and name in initial and name not in _words(part.lower()[1:]):
                # One capitalized word that only starts a sentence: an ordinary word as
                # often as a name ("Analysts expect"), and a name alone says little.
                continue
            problems.append(f"name {name!r} is not in the sources")
    return problems


def _quotes(text: str, source: str) -> list[str]:
    problems = []
    flat_source = _letters(source)
    for match in _QUOTE.finditer(text):
        quoted = match.group(1) or match.group(2) or ""
        if len(quoted.split()) < 3:
            continue  # a scare-quoted word or two is not a quotation
        if _letters(quoted) not in flat_source:
            problems.append(f"quote {quoted.strip()!r} is not in the sources")
    return problems


def _words(text: str) -> set[str]:
    return {w.lower().strip("'’-") for w in _WORD.findall(text)}


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _letters(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def _contains(low_source: str, name: str) -> bool:
    """The name's words, in order, in the sources' text (dots of acronyms aside)."""
    pattern = r"\b" + r"[\s.]*".join(re.escape(w) for w in name.split()) + r"\b"
    flat = low_source.replace(".", "")
    return re.search(pattern, flat) is not None or re.search(pattern, low_source) is not None


def _sentence_initial(text: str) -> set[str]:
    starts = re.findall(r"(?:^|[.!?:;]\s+|\n)[\"“‘(]?([A-Za-z][\w'’-]*)", text)
    return {s.lower() for s in starts}


def _plain_number(token: str) -> str:
    value = token.replace(",", "").rstrip(".")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value


def _digit_values(text: str) -> set[str]:
    return {_plain_number(m.group()) for m in _DIGITS.finditer(text)}


def _spelled_in(value: str, source_words: Iterable[str]) -> bool:
    words = set(source_words)
    return any(digit == value and word in words for word, digit in _SPELLED.items())
