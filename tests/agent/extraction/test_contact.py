"""extract_contact end to end: what the visitor gave, corrections, other people's details, and how
combine() folds contact candidates across messages."""

from __future__ import annotations

from datetime import date

import pytest

from agent.extraction.base import ContactCandidate, MessageContext, MessageExtraction
from agent.extraction.combine import combine
from agent.extraction.rules.contact import extract_contact
from agent.types import Channel


def ctx(agent: str | None = None, sender: str | None = None, channel: Channel = Channel.widget) -> MessageContext:
    return MessageContext(
        index=1, today=date(2026, 11, 22), channel=channel, previous_agent_text=agent, sender_name=sender
    )


def extract(text: str, agent: str | None = None, sender: str | None = None) -> list[ContactCandidate]:
    return extract_contact(text, ctx(agent, sender))


def final(text: str, agent: str | None = None) -> dict[str, str | None]:
    """What the conversation would keep if this were its only message."""
    c = combine([MessageExtraction(contact=extract(text, agent))]).contact
    return {"name": c.name, "email": c.email, "phone": c.phone, "company": c.company, "title": c.title}


@pytest.mark.parametrize(
    ("text", "agent", "expected"),
    [
        (
            "Ines Moreau, ines.moreau@example.fr, cell is 415-555-0142",
            "Could I get your name, email and phone?",
            {"name": "Ines Moreau", "email": "ines.moreau@example.fr", "phone": "+14155550142"},
        ),
        (
            "Yes please. I'm Piotr Nowak, piotr.nowak.dev@gmail.com. My CV is on LinkedIn too.",
            None,
            {"name": "Piotr Nowak", "email": "piotr.nowak.dev@gmail.com", "company": None},
        ),
        (
            "Name: Jane Smith\nEmail: Jane.Smith@Acmecorp.com\nCompany: Acme Corp\nPhone: (212) 555-0134",
            None,
            {"name": "Jane Smith", "email": "jane.smith@acmecorp.com", "company": "Acme Corp", "phone": "+12125550134"},
        ),
        (
            "This is Mike, CTO at Parcelwise. We need SSO.",
            None,
            {"name": "Mike", "company": "Parcelwise", "title": "CTO"},
        ),
        (
            "Sofía Reyes, sofia punto reyes arroba lunaria punto mx",
            "¿Me compartes tu nombre y correo?",
            {"name": "Sofía Reyes", "email": "sofia.reyes@lunaria.mx"},
        ),
        (
            "Bruno aqui, bruno@vendamais.com.br . meu whats é +55 21 99876-5432 se precisar",
            "Me passa seu nome e e-mail?",
            {"name": "Bruno", "email": "bruno@vendamais.com.br", "phone": "+5521998765432"},
        ),
        (
            "GUARANTEED 1000 BACKLINKS FOR $49!!! Order now: WhatsApp +1 202 555 0199 or email SEO.deals@gmail.com",
            None,
            {"name": None, "company": None, "email": "seo.deals@gmail.com", "phone": "+12025550199"},
        ),
        (
            "hi, our dashboard emails stopped. account admin is ops@example-apps.com, can someone look?",
            None,
            {"email": "ops@example-apps.com", "company": None, "name": None},
        ),
        (
            "no email pls, just whatsapp me here: +61 412 555 019",
            "What's your email?",
            {"email": None, "phone": "+61412555019", "name": None},
        ),
        ("I'd rather not share my email yet, I'll come back 👍", "Can I email you?", {"email": None, "name": None}),
    ],
)
def test_whole_messages(text: str, agent: str | None, expected: dict[str, str | None]) -> None:
    got = final(text, agent)
    for field, value in expected.items():
        assert got[field] == value, field


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We are Nimbus and we need a demo", {"company": "Nimbus"}),
        ("Dana Whitfield\ndana@example.com\n415-555-0187", {"name": "Dana Whitfield", "phone": "+14155550187"}),
        ("Dana Whitfield from Ledgerline, dana@example.com", {"name": "Dana Whitfield", "company": "Ledgerline"}),
        ("CTO at Paystream, arjun@example.io", {"company": "Paystream", "title": "CTO", "name": None}),
        ("Hey, Sam here (Brightloop). Pricing please", {"name": "Sam", "company": "Brightloop"}),
        ("Company name is Verdant Labs, I'm the COO", {"company": "Verdant Labs", "title": "COO"}),
        ("I represent Orbital Freight, we have 800 staff", {"company": "Orbital Freight"}),
        ("Hi Acme team, Tom Becker here, VP Ops at Gridline.", {"name": "Tom Becker", "company": "Gridline"}),
        ("Cheers,\nTom\nTom Becker | VP Ops | Gridline", {"name": "Tom Becker", "company": "Gridline"}),
        ("Hey, Priya from Harrow & Finch again", {"name": "Priya", "company": "Harrow & Finch"}),
        ("Thanks so much! Talk soon,\nLeo", {"name": "Leo"}),
        ("Cheers, Rob (Skyward)", {"name": "Rob", "company": "Skyward"}),
        ("Im Rob from Skyward, pricing pls", {"name": "Rob", "company": "Skyward"}),
        ("We're a 40-person company called Fieldnote", {"company": "Fieldnote"}),
        ("Hola! Soy Diego, de Tienda Sol. Queremos una demo", {"name": "Diego", "company": "Tienda Sol"}),
        ("Buenas, mi nombre es Ana María López y trabajo en Finanzas Claras", {"name": "Ana María López"}),
        ("Oi! Aqui é a Juliana, da Bemvindo Turismo", {"name": "Juliana", "company": "Bemvindo Turismo"}),
        ("Hi there! I'm Noor Haddad, founder & CEO of Tiny Tusk (kids' apps)", {"company": "Tiny Tusk"}),
        ("My name's Chen Wei. I'm the data lead @ Orbitly.", {"name": "Chen Wei", "company": "Orbitly"}),
        ("Please contact my assistant Laura at laura@example.com or me at 415-555-0100", {"email": None, "name": None}),
        ("Hi,\n\nI'm the Head of Ecommerce at Larkspur Home and I'd like a quote.", {"company": "Larkspur Home"}),
        ("in case: j.smith@example.com (work) / jsmith@gmail.com (personal)", {"email": "j.smith@example.com"}),
        ("Hi, I'm from the Netherlands", {"company": None, "name": None}),
        (
            "Best regards,\nJohn Smith\nSenior Product Manager\nAcme Robotics Inc.\n1234 Market St, San Francisco\n"
            "www.acmerobotics.example",
            {"name": "John Smith", "company": "Acme Robotics Inc.", "title": "Senior Product Manager"},
        ),
        ("Regards,\nDr. Jane Doe\nChief Medical Officer\nHealix", {"name": "Jane Doe", "company": "Healix"}),
    ],
)
def test_more_phrasings(text: str, expected: dict[str, str | None]) -> None:
    got = final(text)
    for field, value in expected.items():
        assert got[field] == value, field


def test_signature_values_are_marked_as_such() -> None:
    text = (
        "Hi,\n\nPlease send pricing.\n\nBest regards,\nNadia Okafor\nHead of Data, Bellwether\n"
        "nadia@bellwether.io\n+44 20 7946 0999"
    )
    got = {c.field: c for c in extract(text)}
    assert got["name"].value == "Nadia Okafor"
    assert got["company"].value == "Bellwether"
    assert got["title"].value == "Head of Data"
    assert {got[f].source for f in ("name", "email", "phone", "company")} == {"signature"}


def test_quoted_reply_history_is_ignored() -> None:
    text = (
        "Sounds good, thanks.\n\nOn Tue, 3 Nov 2026 at 10:00, Acme <sales@acme.example> wrote:\n"
        "> Best,\n> Sam Seller\n> sales@acme.example\n"
    )
    assert extract(text) == []


# Corrections ------------------------------------------------------------------------------------


def by_field(cands: list[ContactCandidate], field: str) -> list[tuple[str, bool]]:
    return [(c.value, c.correction) for c in cands if c.field == field]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wait sorry, it's r.ahmed@example.com, with a dot", [("r.ahmed@example.com", True)]),
        ("sorry, typo: it's r.ahmed@example.com", [("r.ahmed@example.com", True)]),
        ("actually use rahmed.work@example.com instead", [("rahmed.work@example.com", True)]),
        ("oops r.ahmed@example.com sorry, the other one is my old one", [("r.ahmed@example.com", True)]),
        ("I meant r.ahmed@example.com", [("r.ahmed@example.com", True)]),
        ("perdón, es r.ahmed@example.com", [("r.ahmed@example.com", True)]),
        ("desculpa, o certo é r.ahmed@example.com", [("r.ahmed@example.com", True)]),
        ("my email is rahmed@example.com", [("rahmed@example.com", False)]),
        ("sorry for the delay! my email is rahmed@example.com", [("rahmed@example.com", False)]),
        (
            "rahmed@example.com oh wait I meant r.ahmed@example.com",
            [("rahmed@example.com", False), ("r.ahmed@example.com", True)],
        ),
    ],
)
def test_email_corrections(text: str, expected: list[tuple[str, bool]]) -> None:
    assert by_field(extract(text), "email") == expected


def test_negated_and_old_addresses_are_dropped() -> None:
    assert by_field(extract("it's r.ahmed@example.com, not rahmed@example.com"), "email") == [
        ("r.ahmed@example.com", False)
    ]
    assert by_field(extract("my old email was ra@old.example, new one ra@new.example"), "email") == [
        ("ra@new.example", True)
    ]


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("not jmorgan@example.com but j.morgan@example.com", "email", [("j.morgan@example.com", False)]),
        ("not 415-555-0100 but 415-555-0199", "phone", [("+14155550199", False)]),
        ("I'm 30 years old and my email is x@example.com", "email", [("x@example.com", False)]),
        ("mi correo antiguo es a@example.mx, el nuevo es c@example.mx", "email", [("c@example.mx", False)]),
    ],
)
def test_negation_applies_to_the_next_value_only(text: str, field: str, expected: list[tuple[str, bool]]) -> None:
    assert by_field(extract(text), field) == expected


def test_name_correction() -> None:
    assert by_field(extract("Sorry, actually my name is spelled Jordyn"), "name") == [("Jordyn", True)]


def test_phone_corrections() -> None:
    assert by_field(extract("Olivia, 312 555 0148, sorry, 0184 at the end"), "phone") == [("+13125550184", True)]
    assert by_field(extract("415-555-0100 sorry I mean 415-555-0199"), "phone") == [
        ("+14155550100", False),
        ("+14155550199", True),
    ]


def test_correction_across_messages_wins() -> None:
    first = MessageExtraction(contact=extract("rahmed@example.com"))
    second = MessageExtraction(contact=extract("wait sorry, it's r.ahmed@example.com"))
    assert combine([first, second]).contact.email == "r.ahmed@example.com"
    plain_later = MessageExtraction(contact=extract("or send it to ra@other.example"))
    assert combine([first, plain_later]).contact.email == "rahmed@example.com"


def test_email_handle_containing_ops_is_no_correction() -> None:
    assert by_field(extract("send it to ops@example.co, thx"), "email") == [("ops@example.co", False)]


# Other people's details ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please cc my colleague bob.stone@example.io, my email is ann@example.io", ["ann@example.io"]),
        ("my boss's email is john@example.io", []),
        ("send the quote to my manager Tim, tim@example.io", []),
        ("please send it to ana@example.io and cc my boss at carl@example.io", ["ana@example.io"]),
        ("I already emailed support@vendor.example about it, my address is tom@example.io", ["tom@example.io"]),
        ("my cofounder and I share it, email us at team@example.io", ["team@example.io"]),
        ("mi jefe es juan@example.mx, el mío es ana@example.mx", ["ana@example.mx"]),
    ],
)
def test_third_party_addresses(text: str, expected: list[str]) -> None:
    assert [v for v, _ in by_field(extract(text), "email")] == expected


def test_third_party_name_is_not_the_visitor() -> None:
    assert by_field(extract("my boss John wants a demo"), "name") == []


# Names: agent persona, profile, one per message ---------------------------------------------------


def test_agent_persona_name_is_not_the_visitor() -> None:
    assert by_field(extract("thanks, Ava", agent="Hi, I'm Ava, Acme's assistant."), "name") == []
    assert by_field(extract("thanks, Ava"), "name") == [("Ava", False)]


def test_profile_name_is_offered_at_lowest_rank() -> None:
    cands = extract("hi, pricing?", sender="Kofi A. 🌍")
    assert [(c.value, c.source) for c in cands if c.field == "name"] == [("Kofi A.", "profile")]
    assert by_field(extract("hi", sender="+1 415 555 0100"), "name") == []


def test_one_name_per_message_prefers_the_fuller_form() -> None:
    text = "I'm Nadia, head of data here.\n\nBest,\nNadia Okafor\nBellwether"
    assert by_field(extract(text), "name") == [("Nadia Okafor", False)]


def test_asked_for_name_accepts_a_bare_lowercase_reply() -> None:
    assert by_field(extract("dana whitfield", agent="What's your name?"), "name") == [("dana whitfield", False)]
    assert by_field(extract("Ledgerline", agent="What's the name of your company?"), "name") == []
    assert by_field(extract("Ledgerline", agent="What's the name of your company?"), "company") == [
        ("Ledgerline", False)
    ]


# combine(): the contact merge rule ---------------------------------------------------------------


def mx(*cands: ContactCandidate) -> MessageExtraction:
    return MessageExtraction(contact=list(cands))


def test_combine_keeps_first_value_unless_corrected() -> None:
    a = ContactCandidate(field="company", value="Tally")
    b = ContactCandidate(field="company", value="Tally Payments")
    assert combine([mx(a), mx(b)]).contact.company == "Tally"
    assert combine([mx(a), mx(b.model_copy(update={"correction": True}))]).contact.company == "Tally Payments"


def test_combine_profile_yields_to_what_the_visitor_says() -> None:
    profile = ContactCandidate(field="name", value="KofiA", source="profile")
    chat = ContactCandidate(field="name", value="Kofi Asante")
    assert combine([mx(profile), mx(chat)]).contact.name == "Kofi Asante"
    assert combine([mx(chat), mx(profile)]).contact.name == "Kofi Asante"


def test_combine_upgrades_a_first_name_to_the_full_name() -> None:
    first = ContactCandidate(field="name", value="Dana")
    full = ContactCandidate(field="name", value="Dana Whitfield", source="signature")
    other = ContactCandidate(field="name", value="Sam Lee")
    assert combine([mx(first), mx(full)]).contact.name == "Dana Whitfield"
    assert combine([mx(full), mx(first)]).contact.name == "Dana Whitfield"
    assert combine([mx(first), mx(other)]).contact.name == "Dana"


def test_conversation_end_to_end() -> None:
    turns = [
        ("Hi! I'm Head of Growth at Quillstack, can I see pricing?", None),
        ("Sure thing, I'm Mina", "Happy to help! Who am I talking to?"),
        ("mina.sato@quillstack.io, or call 415 555 0111", "Thanks Mina! Best email and phone?"),
        ("oops, mina@quillstack.io is better", "Got it."),
    ]
    extractions = [MessageExtraction(contact=extract(text, agent)) for text, agent in turns]
    c = combine(extractions).contact
    assert (c.name, c.email, c.phone, c.company, c.title) == (
        "Mina",
        "mina@quillstack.io",
        "+14155550111",
        "Quillstack",
        "Head of Growth",
    )
