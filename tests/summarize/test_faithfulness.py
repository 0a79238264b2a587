"""The faithfulness check on crafted outputs: what a reader would be misled by fails."""

from aube.summarize.faithfulness import check

SOURCES = [
    "Fed Cuts Rates for First Time This Year",
    (
        "The Federal Reserve lowered its benchmark rate by a quarter point on Wednesday, to a "
        "range of 4% to 4.25%, citing a weakening job market. Officials projected two more cuts "
        "in 2025. “We are not on a preset course,” Jerome Powell said. Stephen Miran dissented."
    ),
    "Fed officials voted 11-1; the S&P 500 rose 0.4% and the dollar fell against the yen.",
]


def problems(*output: str) -> tuple[str, ...]:
    return check(list(output), SOURCES).problems


def test_a_paraphrase_with_the_same_facts_passes() -> None:
    assert (
        problems(
            "Fed lowers rates by a quarter point",
            "The Federal Reserve cut its benchmark rate to a range of 4% to 4.25% on Wednesday.",
            "Officials expect two more cuts in 2025, and Jerome Powell said they are "
            "“not on a preset course”.",
            "Stephen Miran voted against the decision, which passed 11-1.",
        )
        == ()
    )


def test_an_invented_number_fails() -> None:
    assert problems("The Fed cut rates to a range of 4% to 4.5%.") == (
        "figure '4.5%' is not in the sources",
    )
    assert any("'3'" in p for p in problems("Officials projected 3 more cuts this year."))
    assert any("'three'" in p for p in problems("Officials projected three more cuts."))
    assert any("$2b" in p for p in problems("The Fed bought $2 billion of bonds."))


def test_an_invented_date_fails() -> None:
    assert "day 'tuesday' is not in the sources" in problems("The Fed cut rates on Tuesday.")
    assert any("'2024'" in p for p in problems("It was the first cut since 2024."))
    assert any("september" in p for p in problems("The Fed cut rates in September."))
    assert any("yesterday" in p for p in problems("The Fed cut rates yesterday."))


def test_an_invented_name_fails() -> None:
    found = problems("Janet Yellen welcomed the cut, said the Federal Reserve.")
    assert "name 'janet yellen' is not in the sources" in found
    assert any("ecb" in p for p in problems("The ECB is expected to follow the Federal Reserve."))


def test_an_invented_quote_fails() -> None:
    found = problems("Jerome Powell said: “We will cut again soon.”")
    assert found == ("quote 'We will cut again soon.' is not in the sources",)


def test_ordinary_capitalized_words_are_not_names() -> None:
    # Sentence-initial common words are not taken for invented names.
    assert problems("Officials lowered the rate.", "Markets rose as the dollar fell.") == ()


def test_figures_match_in_any_written_form() -> None:
    sources = ["Adnoc abandons $18.7bn bid for Santos; shares fall 18 per cent"]
    assert check(["Adnoc dropped its $18.7 billion bid and Santos shares fell 18%."], sources).ok
