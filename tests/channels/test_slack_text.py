"""Slack markup -> the plain text a person typed (what extraction and evidence quotes read)."""

from __future__ import annotations

from datetime import date

import pytest

from agent.extraction.base import MessageContext
from agent.extraction.rules import RuleBackend
from agent.types import MAX_MESSAGE_CHARS, Channel
from channels.slack_text import escape, to_plain_text


@pytest.mark.parametrize(("slack", "plain"), [
    ("mail me at <mailto:jane@acme.io|jane@acme.io>", "mail me at jane@acme.io"),
    ("<mailto:jane@acme.io|Jane's inbox>", "jane@acme.io"),
    ("see <http://acme.io|acme.io>", "see acme.io"),
    ("see <https://acme.io/rfp|our RFP>", "see our RFP (https://acme.io/rfp)"),
    ("see <https://acme.io/pricing>", "see https://acme.io/pricing"),
    ("call <tel:+15551234567|+1 555 123 4567>", "call +1 555 123 4567"),
    ("<@U0BOT> hi", "hi"),
    ("ask <@U0BOB|bob> or <@U0ANN>", "ask @bob or @U0ANN"),
    ("in <#C0SALES|sales> <!here> <!subteam^S0TEAM|@buyers>", "in #sales @here @buyers"),
    ("on <!date^1392734382^{date_short}|Feb 18, 2014>", "on Feb 18, 2014"),
    ("R&amp;D &lt;3 a &gt; b", "R&D <3 a > b"),
    ("literal &amp;lt; stays &amp;lt;", "literal &lt; stays &lt;"),
    ("<https://x.io/?a=1&amp;b=2|A &amp; B>", "A & B (https://x.io/?a=1&b=2)"),
    ("  *bold* _it_ \x00 ", "*bold* _it_"),
])
def test_markup_becomes_what_was_typed(slack: str, plain: str) -> None:
    assert to_plain_text(slack, bot_user_id="U0BOT") == plain


def test_only_a_mention_of_the_bot_is_empty_and_long_text_is_cut() -> None:
    assert to_plain_text("<@U0BOT>", bot_user_id="U0BOT") == ""
    assert len(to_plain_text("x" * 40_000)) == MAX_MESSAGE_CHARS


def test_escape_is_the_inverse_for_plain_text() -> None:
    text = "Budget <$30k & up> for <!channel>"
    assert escape(text) == "Budget &lt;$30k &amp; up&gt; for &lt;!channel&gt;"
    assert to_plain_text(escape(text)) == text


def test_contact_extraction_reads_the_normalised_text() -> None:
    raw = "I'm Jane Roe, <mailto:jane.roe@acme.io|jane.roe@acme.io>, call <tel:+14155550123|+1 415 555 0123>"
    context = MessageContext(index=0, today=date(2026, 11, 23), channel=Channel.slack)
    found = {c.field: c.value for c in RuleBackend().extract_message(to_plain_text(raw), context).contact}
    assert found == {"name": "Jane Roe", "email": "jane.roe@acme.io", "phone": "+14155550123"}
