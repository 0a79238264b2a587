"""The language of a text, with py3langid; None when the text is too short to tell or the
model is unsure (a wrong language is worse than none: it steers summaries and ranking)."""

from __future__ import annotations

import functools
from typing import Any

MIN_CHARS = 40
MIN_CONFIDENCE = 0.80
_NOT_A_LANGUAGE = frozenset({"zxx", "und"})  # "no linguistic content", "undetermined"
MAX_CHARS = 2000  # the opening of a text decides its language; the rest only costs time


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639 code ("en", "fr", …) of ``text``, or None when too short or uncertain."""
    sample = " ".join(text[:MAX_CHARS].split())
    if sum(ch.isalpha() for ch in sample) < MIN_CHARS:
        return None
    language, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE or language in _NOT_A_LANGUAGE:
        return None
    return str(language)
