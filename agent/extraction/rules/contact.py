"""Contact details from chat text and e-mail signature blocks (PLACEHOLDER: being written)."""

from __future__ import annotations

import re

from agent.extraction.base import ContactCandidate, MessageContext

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def extract_contact(text: str, context: MessageContext) -> list[ContactCandidate]:
    return [ContactCandidate(field="email", value=m.group(0).lower()) for m in _EMAIL.finditer(text)]
