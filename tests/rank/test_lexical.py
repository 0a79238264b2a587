from __future__ import annotations

from aube.rank.lexical import LexicalIndex, terms


def test_terms_stem_and_drop_stop_words() -> None:
    assert terms("The tariffs on Cryptocurrency news") == {"tariff", "crypto"}


def test_full_matches_need_every_word() -> None:
    index = LexicalIndex(
        ["Bitcoin and crypto markets slide", "New tariffs on steel", "Rust 2027 edition ships"]
    )
    hits = index.full_matches(
        ["crypto", "steel tariffs", "Rust 2027 edition", "the", "Rust 2030"]
    ).toarray()
    assert hits.tolist() == [
        [True, False, False],
        [False, True, False],
        [False, False, True],
        [False, False, False],
        [False, False, False],
    ]
