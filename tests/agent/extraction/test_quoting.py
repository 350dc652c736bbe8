from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.quoting import quoted_spans


def hidden(text: str) -> list[str]:
    return [text[a:b] for a, b in quoted_spans(Doc(text))]


def test_quoted_lines() -> None:
    text = "Yes, $20k a year works.\n> Do you have a budget of $24,000/year?\n> Thanks"
    assert hidden(text) == ["> Do you have a budget of $24,000/year?", "> Thanks"]


def test_reply_history_is_hidden() -> None:
    text = "We'd start in April.\n\nOn Mon, 23 Nov 2026, Acme <hi@acme.io> wrote:\nWhen would you like to start?"
    assert hidden(text)[-1].startswith("On Mon, 23 Nov 2026")
    text2 = "Thanks!\n\n-----Original Message-----\nFrom: Acme\nSent: Monday\nOur Business plan is $24k."
    assert "Our Business plan is $24k." in hidden(text2)[-1]


def test_plain_message_has_nothing_hidden() -> None:
    assert hidden("On Monday we decide. We want dashboards > spreadsheets.") == []
