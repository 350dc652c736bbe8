"""Phone numbers to E.164, and the numbers that are not phones."""

from __future__ import annotations

import pytest

from agent.extraction.rules.phones import find_phones, region_hint


def values(text: str, region: str | None = None) -> list[str]:
    return [f.value for f in find_phones(text, region)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cell is 415-555-0187", "+14155550187"),
        ("(646) 555-0142", "+16465550142"),
        ("call me on 212.555.0134 after 3pm", "+12125550134"),
        ("my cell: +1-415-555-0199", "+14155550199"),
        ("m: +1 (415) 555-0163", "+14155550163"),
        ("+1(415)555-0163", "+14155550163"),
        ("1-800-555-0199", "+18005550199"),
        ("text me 3125550148", "+13125550148"),
        ("+44 20 7946 0321", "+442079460321"),
        ("phone: +44 (0)20 7946 0958", "+442079460958"),
        ("ring me on +44 7700 900456", "+447700900456"),
        ("Tel. +49 89 2154 7730", "+498921547730"),
        ("+353 1 555 0192", "+35315550192"),
        ("whatsapp me here: +61 412 555 019", "+61412555019"),
        ("0044 20 7946 0321", "+442079460321"),
        ("mi celular es +52 55 1234 5678", "+525512345678"),
        ("pode me chamar no whats +55 (21) 99876-5432", "+5521998765432"),
        ("meu whats é +55 11 98765-4321 se precisar", "+5511987654321"),
        ("móvil: 55 1234 5678", "+15512345678"),  # ten digits, no country code: US by convention
    ],
)
def test_phones_are_e164(text: str, expected: str) -> None:
    assert values(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "We've got $25-30k a year, activation went from 38% to 29%",
        "before our January 15 release, 2026-11-22, 11/22/2026",
        "we're ~1,200 employees and 40 seats, 2-3 days, 15-25 demos",
        "We have 1500000 monthly events",
        "1.000.000.000 events a month",
        "between 2019 2020 2021",
        "Our order number is 4155550199",
        "ticket #415-555-0187",
        "invoice 4155550187 is overdue",
        "GUARANTEED 1000 BACKLINKS FOR $49",
        "budget 1 500 000 per year",
        "call 555-0199",  # seven digits: incomplete
        "1234567890",  # not a valid North American number
    ],
)
def test_not_phones(text: str) -> None:
    assert values(text) == []


def test_phone_word_overrides_account_word() -> None:
    assert values("account phone: 4155550187") == ["+14155550187"]


def test_partial_correction_of_last_digits() -> None:
    (found,) = find_phones("312 555 0148, sorry, 0184 at the end")
    assert found.value == "+13125550184"
    assert found.correction


@pytest.mark.parametrize(
    "text",
    ["my number is 415-555-0100, the last four digits are 0199", "415 555 0100 oops it ends in 0199"],
)
def test_other_partial_corrections(text: str) -> None:
    assert values(text) == ["+14155550199"]


def test_national_number_read_with_region_from_email_domain() -> None:
    assert region_hint(["ann@shop.co.uk"]) == "GB"
    assert region_hint(["ann@gmail.com"]) is None
    assert values("my number is 020 7946 0321", "GB") == ["+442079460321"]
    assert values("my number is 020 7946 0321") == []


def test_digits_inside_an_email_are_not_a_phone() -> None:
    assert values("jane4155550187@acme.io") == []
