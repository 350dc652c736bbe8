"""The default extraction backend: rules, offline, English plus Spanish and Portuguese basics."""

from __future__ import annotations

from agent.extraction.base import MessageContext, MessageExtraction
from agent.extraction.rules.contact import extract_contact
from agent.extraction.rules.signals import extract_signals


class RuleBackend:
    name = "rules"

    def extract_message(self, text: str, context: MessageContext) -> MessageExtraction:
        mx = MessageExtraction(message_index=context.index, contact=extract_contact(text, context))
        extract_signals(text, context, mx)  # fills intent, non_buyer, evidence, affirmation, injection
        return mx
