"""Messages at the length limit made of thousands of short lines or one run-on clause: every scan is
linear in the message (timing is a benchmark figure, bench/agent_bench.py); here, the output stays sensible."""

from datetime import date

from agent.extraction.base import MessageContext, Signal
from agent.extraction.combine import extract_checked
from agent.extraction.rules import RuleBackend
from agent.types import MAX_MESSAGE_CHARS

CTX = MessageContext(index=0, today=date(2026, 11, 23), channel="email")


def extract(text: str):  # type: ignore[no-untyped-def]
    assert len(text) <= MAX_MESSAGE_CHARS
    return extract_checked(RuleBackend(), text, CTX)


def test_thousands_of_blank_lines_before_a_signature() -> None:
    text = ("Hi, we'd like a demo of the funnels product.\n" + "\n" * 3800
            + "Best,\nDana Whitfield\nHead of Growth\nLedgerline\ndana@ledgerline.com")
    mx = extract(text)
    found = {c.field: c.value for c in mx.contact}
    assert found == {"name": "Dana Whitfield", "email": "dana@ledgerline.com", "company": "Ledgerline",
                     "title": "Head of Growth"}
    assert [i.kind for i in mx.intent] == ["demo"]


def test_thousands_of_short_lines() -> None:
    text = "\n".join(["ok", "x", "--"] * 1000)[:3900] + "\nmy email is dana@ledgerline.com"
    mx = extract(text)
    assert [(c.field, c.value) for c in mx.contact] == [("email", "dana@ledgerline.com")]
    assert mx.intent == [] and mx.evidence == []


def test_short_lines_of_addresses_and_numbers() -> None:
    text = "\n".join(f"a{i}@b{i}.io +1 415 555 {i:04d}" for i in range(200))[:MAX_MESSAGE_CHARS]
    mx = extract(text)
    emails = [c.value for c in mx.contact if c.field == "email"]
    assert emails and all(e.endswith(".io") for e in emails)


def test_a_run_on_clause_repeating_dates_and_amounts() -> None:
    text = ("We need this live by Q3 and our budget is $30k a year " * 80)[:MAX_MESSAGE_CHARS]
    mx = extract(text)
    timing = [e for e in mx.evidence if e.signal is Signal.timing]
    budget = [e for e in mx.evidence if e.signal is Signal.budget]
    assert timing and all(e.within_days is not None and e.quote in text for e in timing)
    assert budget and all(e.yearly_amount == 30000 and e.quote in text for e in budget)
    # A repeated date or amount gives one candidate, not hundreds (the conversation state stores them).
    assert len(mx.evidence) == len({(e.signal, e.quote, e.within_days, e.yearly_amount) for e in mx.evidence}) < 10
