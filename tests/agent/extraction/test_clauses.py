from agent.extraction.rules.clauses import Doc, normalise, straighten


def clauses(text: str) -> list[str]:
    d = Doc(text)
    return [text[c.start:c.end] for c in d.clauses]


def sentences(text: str) -> list[str]:
    d = Doc(text)
    return [text[s.start:s.end] for s in d.sentences]


def test_straighten_keeps_length() -> None:
    text = "I’m the “owner”"
    assert len(straighten(text)) == len(text)
    assert straighten(text) == "I'm the \"owner\""


def test_normalise_lowers_and_keeps_positions() -> None:
    text = "İstanbul’s CFO"
    low = normalise(text)
    assert len(low) == len(text) and low.endswith("'s cfo")


def test_sentences_break_at_punctuation_lines_and_ellipses() -> None:
    assert sentences("Hi there. We need pricing! When?") == ["Hi there", "We need pricing", "When"]
    assert sentences("[X] done ...anyway, we want dashboards") == ["[X] done", "anyway, we want dashboards"]
    assert sentences("Best,\nJane Doe\nHead of Data") == ["Best", "Jane Doe", "Head of Data"]


def test_abbreviations_and_numbers_do_not_end_sentences() -> None:
    assert sentences("Budget von ca. 1.500 € pro Monat.") == ["Budget von ca. 1.500 € pro Monat"]
    text = "We pay approx. $2,000 a month, e.g. for Heap."
    assert sentences(text) == [text.rstrip(".")]


def test_soft_wrapped_email_line_continues() -> None:
    text = "We have been looking at several analytics vendors for our team and\nwould like a demo."
    assert len(sentences(text)) == 1


def test_clauses_split_at_commas_linking_words_and_emoji() -> None:
    assert clauses("I'm the CFO and I sign off on purchases.") == ["I'm the CFO", "I sign off on purchases"]
    assert clauses("budget is tight so $6k sounds like a lot") == ["budget is tight", "$6k sounds like a lot"]
    assert clauses("no sabemos dónde se van 😩 perdemos 70%") == ["no sabemos dónde se van", "perdemos 70%"]
    assert clauses("sou o CTO e a decisão é minha") == ["sou o CTO", "a decisão é minha"]


def test_and_between_nouns_does_not_split() -> None:
    assert clauses("we track funnels and retention") == ["we track funnels and retention"]


def test_commas_inside_numbers_do_not_split() -> None:
    assert clauses("We have $25,000 approved") == ["We have $25,000 approved"]


def test_quote_is_exact_slice_of_original_text() -> None:
    text = "It’s my call, honestly!"
    d = Doc(text)
    assert d.clause_quote(0) == "It’s my call"
    assert d.clause_quote(0) in text


def test_negation_window() -> None:
    text = "I'm not the decision maker"
    d = Doc(text)
    assert d.negated_before(text.index("decision"))
    text2 = "I'm the decision maker"
    assert not Doc(text2).negated_before(text2.index("decision"))
    text3 = "we need it no later than March"
    assert not Doc(text3).negated_before(text3.index("March"))


def test_clause_at_linking_word_returns_next_clause() -> None:
    d = Doc("We're not buying anything until 2027")
    ci = d.clause_at(d.norm.index("until"))
    assert ci is not None and d.clause_text(ci) == "2027"


def test_long_message_splits() -> None:
    text = ("We want dashboards, and we need them fast. " * 100)[:4000]
    d = Doc(text)
    assert len(d.sentences) > 50
