"""Bare name/company pieces next to an e-mail or phone, or in reply to the agent asking for them."""

from __future__ import annotations

import re

import pytest

from agent.extraction.rules.contact_lines import find_line_fields

_CONTACT = re.compile(r"\S+@\S+\w|\+?\(?\d[\d ().-]{8,}\d")


def fields(text: str, asked_name: bool = False, asked_company: bool = False) -> dict[str, str]:
    spans = [m.span() for m in _CONTACT.finditer(text)]
    return {f.field: f.value for f in find_line_fields(text, spans, asked_name, asked_company)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dana Whitfield, dana.whitfield@example.com, cell is 415-555-0187", {"name": "Dana Whitfield"}),
        ("max@example.app - Max, PulseFit", {"name": "Max", "company": "PulseFit"}),
        ("me: Daniel Cho, dcho@example.com (Meridian Freight)", {"name": "Daniel Cho", "company": "Meridian Freight"}),
        (
            "Olivia Grant, og@example.com, 312 555 0148, sorry, 0184 at the end. Pinecrest Manufacturing.",
            {"name": "Olivia Grant", "company": "Pinecrest Manufacturing"},
        ),
        ("yeah sure, Hannah Cole - hannah@example.co.uk, or ring me on +44 7700 900456", {"name": "Hannah Cole"}),
        ("Happy to chat. Jane Doe | jane@doe.io | 415-555-0111", {"name": "Jane Doe"}),
        ("Lotte van den Berg, lotte@example.nl", {"name": "Lotte van den Berg"}),
        ("Omar Haddad, Coreloop Inc., omar@example.com", {"name": "Omar Haddad", "company": "Coreloop Inc."}),
    ],
)
def test_pieces_next_to_contact_details(text: str, expected: dict[str, str]) -> None:
    assert fields(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GUARANTEED SEO!!! Order now: WhatsApp +1 202 555 0199 or email deals@example.com",
        "sure, send it to leo@example.app, thx",
        "Sure, it's l.berg@example.nl. Thank you!!",
        "Nice. Ok, my email: kim@example.io",
        "Tel +49 89 2154 7730",
        "Contact: ann@example.com",
        "My CV is on LinkedIn too, tomasz@example.com",
        "ann@example.com (US)",
        "Monday works, ann@example.com",
        "Hi Sarah, my email is ann@example.com",
    ],
)
def test_no_pieces(text: str) -> None:
    assert fields(text) == {}


def test_bare_reply_when_the_agent_asked() -> None:
    assert fields("Dana", asked_name=True) == {"name": "Dana"}
    assert fields("dana whitfield", asked_name=True) == {"name": "dana whitfield"}
    assert fields("sure, Omar Haddad, Coreloop", asked_name=True, asked_company=True) == {
        "name": "Omar Haddad",
        "company": "Coreloop",
    }
    assert fields("Ledgerline", asked_company=True) == {"company": "Ledgerline"}
    assert fields("Dana") == {}


@pytest.mark.parametrize("text", ["maybe later", "why do you need it?", "no thanks", "I'd rather not say"])
def test_bare_reply_refusals(text: str) -> None:
    assert fields(text, asked_name=True) == {}
