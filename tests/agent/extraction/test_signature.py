"""E-mail signature blocks: name, title and company after a sign-off or at the end of a message."""

from __future__ import annotations

import pytest

from agent.extraction.rules.signature import find_signature


def fields(text: str) -> dict[str, str]:
    sig = find_signature(text)
    assert all(f.source == "signature" for f in sig.found)
    return {f.field: f.value for f in sig.found}


BODY = "Hi team,\n\nCould you send pricing for the Business plan? We have 300 staff.\n\n"


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        (
            "Kind regards,\n\nNadia Okafor\nDirector of Data & Insights\nBellwether & Co Ltd\nnadia@bellwether.co.uk\n"
            "+44 20 7946 0999",
            {"name": "Nadia Okafor", "title": "Director of Data & Insights", "company": "Bellwether & Co Ltd"},
        ),
        (
            "Best,\nLiam Ferreira\nHead of Partnerships\nPipeworks\nliam@pipeworks.io | (646) 555-0100",
            {"name": "Liam Ferreira", "title": "Head of Partnerships", "company": "Pipeworks"},
        ),
        (
            "Cheers,\nMina Sato\nCTO, Quillstack\nmina@quillstack.io\nm: +1 (415) 555-0111",
            {"name": "Mina Sato", "title": "CTO", "company": "Quillstack"},
        ),
        (
            "Thanks,\nOwen Hart\nMarketing Director | Larkspur Learning\nowen@larkspur.com",
            {"name": "Owen Hart", "title": "Marketing Director", "company": "Larkspur Learning"},
        ),
        (
            "Mit freundlichen Grüßen\n\nKlaus Richter\nGeschäftsführer\nBergfeld Systeme GmbH\nTel. +49 30 1234 5678",
            {"name": "Klaus Richter", "title": "Geschäftsführer", "company": "Bergfeld Systeme GmbH"},
        ),
        (
            "Saludos,\nCarla Ruiz\nDirectora de Marketing\nModa Sur S.A. de C.V.\nTel: +52 33 1234 5678",
            {"name": "Carla Ruiz", "title": "Directora de Marketing", "company": "Moda Sur S.A. de C.V."},
        ),
        ("Abraços,\nRafael Souza\nCTO | PagaJá", {"name": "Rafael Souza", "title": "CTO", "company": "PagaJá"}),
        ("Best, Ryan\n", {"name": "Ryan"}),
        ("Thanks,\nJordan\n\nSent from my iPhone", {"name": "Jordan"}),
        (
            "-- \nIngrid Holm\nVP Sales @ Fjordline",
            {"name": "Ingrid Holm", "title": "VP Sales", "company": "Fjordline"},
        ),
        ("— Priya", {"name": "Priya"}),
    ],
)
def test_signature_blocks(signature: str, expected: dict[str, str]) -> None:
    assert fields(BODY + signature) == expected


def test_trailing_block_without_sign_off() -> None:
    text = BODY + "Tom Becker\nVP Sales | Gridline Inc.\ntom@gridline.com"
    assert fields(text) == {"name": "Tom Becker", "title": "VP Sales", "company": "Gridline Inc."}


def test_single_name_closing_a_reply() -> None:
    assert fields("Thanks, got it. We'd buy around April.\n\nAoife") == {"name": "Aoife"}


def test_signature_start_marks_the_block() -> None:
    text = BODY + "Regards,\nMina Sato\nmina@quillstack.io"
    assert find_signature(text).start == text.index("Regards")


@pytest.mark.parametrize(
    "text",
    [
        "hi, how much is the Team plan?",
        "Thanks for the quick reply, we will review it internally next week.",
        BODY + "Looking forward to hearing from you.",
        "Our needs:\n\n- Dashboards\n- Funnels\n- Retention",
        BODY + "Thanks!\nThe Acme fan club",
    ],
)
def test_no_signature_fields(text: str) -> None:
    assert fields(text) == {}
