"""Quoted text in e-mail replies ("> ...", "On Mon, Acme wrote:"): the agent's words, not the visitor's.

Only what the visitor says counts, so a reply's quoted history is hidden from the rules like an
injection is.
"""

from __future__ import annotations

import re

from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.lexicon import FLAGS

_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*", FLAGS | re.MULTILINE)
# Where a quoted history starts; everything after it is history.
_HISTORY = re.compile(
    r"^[ \t]*(?:on\b[^\n]{0,160}?(?:\n[^\n]{0,80}?)?(?:wrote|escribió|escreveu|schrieb|a écrit)[ \t]*:"
    r"|el\b[^\n]{0,160}?escribió[ \t]*:|em\b[^\n]{0,160}?escreveu[ \t]*:|am\b[^\n]{0,160}?schrieb[ \t]*:"
    r"|-{3,}[ \t]*(?:original message|mensaje original|mensagem original|ursprüngliche nachricht)[ \t]*-{3,}"
    r"|from:[^\n]*\n[ \t]*(?:sent|date|enviado|gesendet):)",
    FLAGS | re.MULTILINE,
)


def quoted_spans(doc: Doc) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _QUOTED_LINE.finditer(doc.norm)]
    history = _HISTORY.search(doc.norm)
    if history is not None and history.start() > 0:  # a message that is only history keeps its text
        spans.append((history.start(), len(doc.norm)))
    return spans
