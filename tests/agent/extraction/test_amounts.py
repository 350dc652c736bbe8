import pytest

from agent.extraction.rules.amounts import find_amounts, parse_number


def one(text: str, iberian: bool = False):
    found = find_amounts(text.lower(), 0, len(text), iberian)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1,500", 1500), ("1.500", 1500), ("1.5", 1.5), ("1,5", 1.5), ("1.500,50", 1500.5), ("1,500.50", 1500.5),
     ("12.000", 12000), ("2,000,000", 2_000_000), ("800", 800)],
)
def test_parse_number(raw: str, value: float) -> None:
    assert parse_number(raw) == value


@pytest.mark.parametrize(
    ("text", "yearly", "currency"),
    [
        ("We've got $25-30k a year for this", 30000, "USD"),
        ("between $12k and $20k a year", 20000, "USD"),
        ("$200/mo", 2400, "USD"),
        ("around 1k/month", 12000, None),
        ("£400 a month max", 4800, "GBP"),
        ("€600/month", 7200, "EUR"),
        ("USD 5,000 per quarter", 20000, "USD"),
        ("1.500 € pro Monat", 18000, "EUR"),
        ("unos 800 dólares al mes", 9600, "USD"),
        ("R$ 2 mil por mês", 24000, "BRL"),
        ("5 mil reais por ano", 5000, "BRL"),
        ("dos mil dólares al año", 2000, "USD"),
        ("€1,5k monthly", 18000, "EUR"),
        ("$60k/year", 60000, "USD"),
        ("£18,000 for a tool in this financial year", 18000, "GBP"),
        ("two thousand dollars a month", 24000, "USD"),
        ("20.000 € jährlich", 20000, "EUR"),
        ("$500 weekly", 26000, "USD"),
        ("10 000 € par an", 10000, "EUR"),
    ],
)
def test_amounts_per_year(text: str, yearly: float, currency: str | None) -> None:
    a = one(text, iberian=any(w in text for w in ("dólares", "reais", "R$", "mil")))
    assert a.yearly(None) == pytest.approx(yearly)
    assert a.currency == currency


def test_per_seat_needs_a_count() -> None:
    a = one("$20/user/month")
    assert a.per_seat and a.period == "month"
    assert a.yearly(None) is None
    assert a.yearly(40) == 20 * 12 * 40


def test_caps_are_marked() -> None:
    assert one("probably under $3,000 a year").cap
    assert one("£400 a month max really").cap
    assert not one("about $3,000 a year").cap


def test_bare_number_is_flagged() -> None:
    a = one("around 800 a month")
    assert a.bare and a.period == "month"
    assert not one("$800").bare


@pytest.mark.parametrize("text", ["60% drop", "40 seats", "5 years of experience", "220 people", "3 days"])
def test_counts_are_not_money(text: str) -> None:
    assert all(a.bare and a.period is None for a in find_amounts(text.lower(), 0, len(text), False))


def test_mil_means_million_in_english() -> None:
    assert one("$2 mil").value == 2_000_000
    assert one("$2 mil", iberian=True).value == 2000
