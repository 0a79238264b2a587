from aube.enrich.entities import extract_entities, extract_numbers, ordinary_words


def test_names_from_a_headline_and_summary():
    text = (
        "Trump will abandon Ukraine peace talks ‘in days’ without progress, warns Rubio\n"
        "US secretary of state’s warning came hours before JD Vance expressed optimism"
    )
    assert extract_entities(text) == {"trump", "ukraine", "rubio", "us", "jd", "vance", "jd vance"}


def test_full_names_keep_their_parts_so_variants_still_match():
    a = extract_entities("Defense Secretary James Mattis resigns")
    b = extract_entities("Jim Mattis, the retired Marine general, said on Thursday he would go")
    assert "defense secretary james mattis" in a and "jim mattis" in b
    assert a & b == {"mattis"}


def test_acronyms_with_and_without_dots():
    ents = extract_entities("The F.B.I. and the I.R.S. told the U.S. Senate; the EU and NATO met")
    assert {"fbi", "irs", "us", "eu", "nato", "senate"} <= ents


def test_connectors_join_a_name_and_possessives_end_it():
    ents = extract_entities("Bank of England's governor spoke in the Council of Economic Advisers")
    assert "bank of england" in ents
    assert "council of economic advisers" in ents
    assert not any("governor" in e for e in ents)


def test_months_weekdays_and_stop_words_are_not_names():
    ents = extract_entities("On Tuesday, in March, The Times said After all, Opinion | Why it is")
    assert ents == {"times"}


def test_title_case_words_used_in_lower_case_elsewhere_are_not_names():
    text = (
        "Fed Cuts Rates for First Time This Year\n"
        "The Federal Reserve cuts interest rates by a quarter point, the first time this year"
    )
    ents = extract_entities(text)
    assert {"fed", "federal reserve"} <= ents
    assert not {"cuts", "rates", "first"} & ents


def test_ordinary_words_learned_from_a_batch_clean_up_headlines():
    batch = [
        "Investors are nervous. Markets slide as investors sell and markets fall",
        "Why investors fear the slide; markets are down",
    ]
    ordinary = ordinary_words(batch)
    assert {"investors", "markets"} <= ordinary
    headline = "Investors Flee Markets After Nvidia Warning"
    assert "investors" in extract_entities(headline)
    assert "investors" not in extract_entities(headline, ordinary=ordinary)
    assert "nvidia" in extract_entities(headline, ordinary=ordinary)


def test_urls_and_markup_yield_nothing():
    text = '<img src="https://images.ft.com/v3/raw/https%3A%2F%2Fd1e00ek.jpg"/> see www.Example.com'
    assert extract_entities(text) == frozenset()
    assert extract_numbers(text) == frozenset()


def test_money_in_its_many_spellings_has_one_form():
    for text in ("$1.5bn deal", "$1.5 billion deal", "$1,500 million deal", "1.5 billion dollars"):
        assert extract_numbers(text) == {"$1.5b"}, text
    assert extract_numbers("Gunvor drops $22bn bid for Lukoil assets") == {"$22b"}
    assert extract_numbers("£300m and €2.4tn") == {"£300m", "€2.4t"}


def test_percentages_and_points():
    assert extract_numbers("tariffs of 25%, or 25 per cent, or 25 percent") == {"25%"}
    assert extract_numbers("unemployment rose to 4.6% in November") == {"4.6%"}
    assert extract_numbers("a 0.25 percentage point cut, i.e. 25 basis points") == {"0.25pp"}


def test_plain_counts_need_separators_or_magnitudes():
    assert extract_numbers("2,000 troops and 50 million barrels") == {"2000", "50m"}


def test_years_ordinals_and_small_integers_are_ignored():
    assert extract_numbers("In 2025, on the 21st, 3 weeks after 2 talks in 1999") == frozenset()


def test_hyphenated_names_give_their_parts():
    ents = extract_entities("The Israel-Iran war and US-China talks hit AI-related stocks")
    assert {"israel-iran", "israel", "iran", "us-china", "china", "ai"} <= ents
    assert "related" not in ents
