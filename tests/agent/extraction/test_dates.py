from datetime import date

import pytest

from agent.extraction.rules.clauses import normalise
from agent.extraction.rules.dates import ASAP_DAYS, find_dates

TODAY = date(2026, 11, 22)  # a Sunday in Q4


def days(text: str, today: date = TODAY) -> list[int | None]:
    return [h.days for h in find_dates(normalise(text), today)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("before our January 15 release", 54),
        ("by the end of January", 70),
        ("on December 18", 26),
        ("by mid-December", 23),
        ("kicks off Dec 1", 9),
        ("in January", 40),
        ("start in April", 130),
        ("this quarter", 39),
        ("next quarter", 40),
        ("next month", 9),
        ("by end of year", 39),
        ("end of next month", 39),
        ("in Q2", 130),
        ("Q1 2027", 40),
        ("in 6 months", 181),
        ("within 30 days", 30),
        ("in a couple of weeks", 14),
        ("in the next few weeks", 21),
        ("the 15th of January", 54),
        ("2027-01-10", 49),
        ("sometime in spring", 118),
        ("this winter", 29),
        ("el mes que viene", 9),
        ("la próxima semana", 7),
        ("para finales de enero", 70),
        ("15 de enero", 54),
        ("até o fim do ano", 39),
        ("em março", 99),
        ("daqui a dois meses", 61),
        ("bis Ende Januar", 70),
        ("im nächsten Monat", 9),
        ("by EOY", 39),
        ("before Christmas", 33),
        ("by 1/15", 54),
        ("before 15/01", 54),
    ],
)
def test_resolves_to_days(text: str, expected: int) -> None:
    assert days(text) == [expected]


def test_asap_is_small() -> None:
    assert days("asap") == [ASAP_DAYS]
    assert days("lo antes posible") == [ASAP_DAYS]
    assert days("o quanto antes") == [ASAP_DAYS]


def test_next_year_is_its_middle() -> None:
    assert days("next year") == [222]
    assert days("ano que vem") == [222]
    assert days("first half of next year") == [130]


@pytest.mark.parametrize("text", ["no rush", "no hurry", "nothing concrete", "sin prisa", "sem pressa",
                                  "next fiscal year", "keine Eile"])
def test_uncertain_has_no_days(text: str) -> None:
    assert days(text) == [None]


@pytest.mark.parametrize(
    "text",
    ["May I ask a question?", "2/3 of users churn", "this may work", "we rebuilt it", "Tuesdays or Thursdays",
     "We're on Heap today", "5 years of experience", "week-2 retention"],
)
def test_not_dates(text: str) -> None:
    assert days(text) == []


def test_may_as_a_month_needs_a_date_context() -> None:
    assert days("our contract ends in May") == [160]


def test_month_already_passed_is_next_year() -> None:
    assert days("in September", date(2026, 11, 22)) == [283]
    assert days("in September", date(2026, 3, 1)) == [184]


def test_weekday_is_next_occurrence() -> None:
    assert days("by Friday") == [5]
