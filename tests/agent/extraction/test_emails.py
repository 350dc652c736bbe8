"""E-mail addresses: plain, spoken/obfuscated (English, Spanish, Portuguese) and non-addresses."""

from __future__ import annotations

import pytest

from agent.extraction.rules.emails import find_emails, normalise_email


def values(text: str) -> list[str]:
    return [f.value for f in find_emails(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("send it to leo@quillpad.app", ["leo@quillpad.app"]),
        ("me: Ana.Ruiz@NorthWind.Example.com (Northwind)", ["ana.ruiz@northwind.example.com"]),
        ("email me at jane+demo@acme.io.", ["jane+demo@acme.io"]),
        ("<tom_o@zeta-labs.co.uk>", ["tom_o@zeta-labs.co.uk"]),
        ("mailto:ops@fernhill.dev, thx", ["ops@fernhill.dev"]),
        ("first a@b.io then c.d@e.org", ["a@b.io", "c.d@e.org"]),
    ],
)
def test_plain_addresses_are_lowercased(text: str, expected: list[str]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kim at brightloop dot io", "kim@brightloop.io"),
        ("kim [at] brightloop [dot] io", "kim@brightloop.io"),
        ("kim (at) brightloop (dot) io", "kim@brightloop.io"),
        ("KIM AT BRIGHTLOOP DOT IO", "kim@brightloop.io"),
        ("kim{at}brightloop{dot}io", "kim@brightloop.io"),
        ("reach me: j.smith at acme dot co dot uk", "j.smith@acme.co.uk"),
        ("kim.park at brightloop.io", "kim.park@brightloop.io"),
        ("email: kim at brightloop.io", "kim@brightloop.io"),
        ("kim_park at brightloop dot io", "kim_park@brightloop.io"),
        ("kim underscore park at brightloop dot io", "kim_park@brightloop.io"),
        ("kim@brightloop dot io", "kim@brightloop.io"),
        # Spanish and Portuguese
        ("mi correo es luis punto ortega arroba tiendaluz punto es", "luis.ortega@tiendaluz.es"),
        ("meu email é ana ponto souza arroba gmail ponto com", "ana.souza@gmail.com"),
        ("pedro arroba lojabela ponto com ponto br", "pedro@lojabela.com.br"),
        ("pedro(arroba)lojabela.com.br", "pedro@lojabela.com.br"),
        ("luis guion bajo ortega arroba tiendaluz punto mx", "luis_ortega@tiendaluz.mx"),
    ],
)
def test_obfuscated_addresses(text: str, expected: str) -> None:
    assert values(text) == [expected]


def test_overlapping_retry_finds_the_real_address() -> None:
    # "me at jane dot doe" is not an address (no such TLD), the one after it is.
    assert values("reach me at jane dot doe at gmail dot com") == ["jane.doe@gmail.com"]


@pytest.mark.parametrize(
    "text",
    [
        "find us at growthly.io or on LinkedIn",
        "I work at acme dot com",
        "we meet at noon. Tomorrow works",
        "our site is acme dot com",
        "look at acme.com and tell me",
        "the team at Acme dot com fame",
        "price is 3 at 4.50",
        "jane@acme",  # no top-level domain
        "jane at gmail",
        "visit https://acme-analytics.com/careers",
        "we're at acme.com",
    ],
)
def test_no_false_addresses(text: str) -> None:
    assert values(text) == []


def test_spans_point_at_the_address() -> None:
    text = "Carla Méndez, carla punto mendez arroba modaviva punto mx"
    (found,) = find_emails(text)
    assert text[found.start : found.end] == "carla punto mendez arroba modaviva punto mx"


def test_validation_rejects_bad_syntax() -> None:
    assert normalise_email("jane..doe@acme.io") is None
    assert normalise_email("Jane@Acme.IO") == "jane@acme.io"
