"""The visitor's company from chat phrasing; the e-mail domain alone never names one."""

from __future__ import annotations

import pytest

from agent.extraction.rules.companies import clean_company, find_companies, is_company_phrase, take_company


def best(text: str) -> str | None:
    found = find_companies(text)
    return max(found, key=lambda f: (f.priority, -f.start)).value if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm VP Product at Ledgerline (about 220 people).", "Ledgerline"),
        ("Hi, I run product at Tessellate (we're ~150 people)", "Tessellate"),
        ("we're on the evaluation committee for a new tool at Northstar Health. Could you", "Northstar Health"),
        ("I'm the marketing director at Brightway Learning; we run courses", "Brightway Learning"),
        ("I'm Jess, ops lead at Tally (invoicing software)", "Tally"),
        ("I work in marketing at Corvid.", "Corvid"),
        ("the marketing team at Globex wants a demo, I'm on it", "Globex"),
        ("At Ledgerline we have 200 people", "Ledgerline"),
        ("I'm at Harrow & Finch Ltd. We sell homeware", "Harrow & Finch Ltd."),
        ("I work for acme corp", "acme corp"),
        ("I'm based in Austin and work for Loomly", "Loomly"),
        ("I'm with Northwind, we'd like a quote", "Northwind"),
        ("I'm reaching out on behalf of Orbit Freight", "Orbit Freight"),
        ("this is Dana from Ledgerline", "Ledgerline"),
        ("Hey there, Maria Gonzalez here from Finly.", "Finly"),
        ("Tom from Brightloop here, quick question", "Brightloop"),
        ("We're Kaskade (Berlin, ~60 ppl).", "Kaskade"),
        ("we're Brightside, a 30-person design agency", "Brightside"),
        ("we're brightside, a design agency", "brightside"),
        ("We're Ridgeway Care, a home-care provider", "Ridgeway Care"),
        ("We're Acme Pty Ltd, a retailer", "Acme Pty Ltd"),
        ("our recipe app (Whiskful) but", "Whiskful"),
        ("our company is called Brightpath and we sell courses", "Brightpath"),
        ("Company: tally inc", "tally inc"),
        # Spanish / Portuguese
        ("somos ModaViva, una tienda online", "ModaViva"),
        ("Hola, soy Lucía Fernández de Tiendas Aurora", "Tiendas Aurora"),
        ("trabajo en Grupo Solaris", "Grupo Solaris"),
        ("somos a PagaFácil, uma fintech", "PagaFácil"),
        ("sou o Rafael da PagaFácil", "PagaFácil"),
        ("trabalho na pagafacil", "pagafacil"),
        ("nossa empresa se chama Verdemar", "Verdemar"),
    ],
)
def test_companies(text: str, expected: str) -> None:
    assert best(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I lead the data function at a UK home-goods retailer",
        "I'm Head of Growth at a marketplace startup, fwiw",
        "We're looking at Amplitude and Mixpanel too",
        "we met your team at SaaStr last year",
        "your team at Acme is great",
        "I'll send it at EOD",
        "We're React on the web and Kotlin on mobile",
        "We're on the Team plan right now",
        "we're a 12-person startup",
        "We're growing fast",
        "We're Hiring!",
        "I work at a bank",
        "I work for myself",
        "I was previously at Google, now freelancing",
        "we're currently at 50 seats",
        "account admin is ops@kestrelapps.com, can someone look?",
        "Does it work for Shopify stores?",
        "we'd be at Enterprise level",
        "We store our data at Snowflake",
        "I'm presenting at SaaStr next week",
        "we use Mixpanel at Parcelwise today",
    ],
)
def test_not_companies(text: str) -> None:
    assert best(text) is None


def test_take_company_keeps_legal_form_and_stops_after_it() -> None:
    assert take_company("Harrow & Finch Ltd. We", 0) == ("Harrow & Finch Ltd.", 19)
    assert take_company("Moda Sur S.A. de C.V. and more", 0) == ("Moda Sur S.A. de C.V.", 21)
    assert take_company("Acme's office", 0) == ("Acme", 4)
    assert take_company("the bank", 0) is None


def test_clean_company() -> None:
    assert clean_company("Pinecrest Manufacturing.") == "Pinecrest Manufacturing"
    assert clean_company("Gridline Inc.") == "Gridline Inc."


@pytest.mark.parametrize(
    ("phrase", "ok"),
    [
        ("PulseFit", True),
        ("Meridian Freight", True),
        ("Lindwurm Software GmbH", True),
        ("Marketing", False),
        ("Sure", False),
    ],
)
def test_is_company_phrase(phrase: str, ok: bool) -> None:
    assert is_company_phrase(phrase) is ok
