"""Intent, non-buyer signals, BANT evidence, yes/no answers and injection flags for one message.

The pieces live in modules named for what they find; this one runs them in order: injections and
quoted e-mail history first (their spans are hidden from every other rule), then intent and
non-buyer kinds, then evidence.
"""

from __future__ import annotations

from agent.extraction.base import MessageContext, MessageExtraction
from agent.extraction.rules.affirmation import affirmation
from agent.extraction.rules.authority import authority_evidence
from agent.extraction.rules.budget import budget_evidence
from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.injection import injection_spans
from agent.extraction.rules.intent import intent_signals
from agent.extraction.rules.need import need_evidence
from agent.extraction.rules.nonbuyer import non_buyer_kinds
from agent.extraction.rules.questions import what_was_asked
from agent.extraction.rules.quoting import quoted_spans
from agent.extraction.rules.timing import timing_evidence


def extract_signals(text: str, context: MessageContext, mx: MessageExtraction) -> None:
    doc = Doc(text)
    injected = injection_spans(doc)
    doc.blocked = sorted(injected + quoted_spans(doc))
    mx.injection = bool(injected)
    if not doc.is_blocked(0, 1):
        mx.affirmation = affirmation(text)
    asked = what_was_asked(context.previous_agent_text)
    intents = intent_signals(doc, asked)
    mx.non_buyer = non_buyer_kinds(doc, has_intent=bool(intents))
    mx.intent = intents
    mx.evidence = [
        *budget_evidence(doc, asked),
        *authority_evidence(doc, asked),
        *need_evidence(doc, asked),
        *timing_evidence(doc, asked, context.today),
    ]
