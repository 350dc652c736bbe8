"""Job titles the visitor gives themselves, and the company a title names."""

from __future__ import annotations

import pytest

from agent.extraction.rules.titles import find_titles, is_title_phrase, title_and_company


def fields(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in find_titles(text):
        out.setdefault(f.field, f.value)
    return out


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("I'm VP Product at Ledgerline", "VP Product"),
        ("I'm the CFO and I sign off", "CFO"),
        ("I'm Head of Growth at a marketplace startup", "Head of Growth"),
        ("As CTO I make the final call", "CTO"),
        ("sou o CTO e a decisão é minha", "CTO"),
        ("I'm the marketing director at Brightway", "marketing director"),
        ("I'm a data engineer with 5 years of experience", "data engineer"),
        ("I'm the founder, it's my call", "founder"),
        ("I am Zoë Müller-Schmidt, Head of Data at Fahrwerk GmbH", "Head of Data"),
        ("soy la directora de marketing", "directora de marketing"),
        ("I'm Chief Revenue Officer", "Chief Revenue Officer"),
    ],
)
def test_titles(text: str, title: str) -> None:
    assert fields(text)["title"] == title


def test_company_named_by_a_title() -> None:
    assert fields("I'm the founder of Snackbox, we're 20 people")["company"] == "Snackbox"
    assert fields("I'm a PM at Spotify")["company"] == "Spotify"
    assert "company" not in fields("I'm CTO of a small startup")


@pytest.mark.parametrize("text", ["I'm interested", "I'm not the decision maker", "as soon as possible"])
def test_no_title(text: str) -> None:
    assert "title" not in fields(text)


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("Director of Data & Insights", ("Director of Data & Insights", None)),
        ("CTO, Paystream", ("CTO", "Paystream")),
        ("Head of Growth @ Whiskful", ("Head of Growth", "Whiskful")),
        ("Marketing Director", ("Marketing Director", None)),
        ("Geschäftsführer", ("Geschäftsführer", None)),
        ("Outboundly", None),
    ],
)
def test_title_and_company(part: str, expected: tuple[str, str | None] | None) -> None:
    assert title_and_company(part) == expected


def test_is_title_phrase() -> None:
    assert is_title_phrase("Head of Partnerships")
    assert not is_title_phrase("Priya Natarajan")
