"""Language detection: right on real sentences, silent when unsure."""

from __future__ import annotations

import pytest

from aube.ingest.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The city council voted on Tuesday to approve a new transit plan for the region.", "en"),
        ("Le conseil municipal a voté mardi pour approuver un nouveau plan de transport.", "fr"),
        (
            "Der Stadtrat hat am Dienstag einen neuen Verkehrsplan mit drei Buslinien beschlossen.",
            "de",
        ),
        ("El ayuntamiento aprobó el martes un nuevo plan de transporte para toda la región.", "es"),
    ],
)
def test_languages_are_recognised(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text", ["", "Hello", "Fed cuts rates", "12345 67890 2024-01-01 12:00 ...... !!!", "     "]
)
def test_too_little_text_gives_none(text: str) -> None:
    assert detect_language(text) is None


def test_a_long_text_is_cut_not_refused() -> None:
    assert (
        detect_language("The quick brown fox jumps over the lazy dog near the river bank. " * 2000)
        == "en"
    )
