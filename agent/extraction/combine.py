"""Fold per-message extractions into the conversation's Extraction.

Later messages add to or correct earlier ones: a contact field keeps its first value unless a
later candidate is marked as a correction; evidence is kept as candidates per signal (the rubric
decides which one sets the level). Quotes were checked against their message by
`extract_checked()` before they got here (DESIGN rule 6).
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.extraction.base import (
    ContactCandidate,
    ContactFields,
    Evidence,
    Extraction,
    ExtractionBackend,
    MessageContext,
    MessageExtraction,
    Signal,
)

_SOURCE_RANK = {"profile": 0, "signature": 1, "chat": 2}
_NOT_BUYING = frozenset({"vendor", "spam", "job_seeker", "student"})


def _replaces(cand: ContactCandidate, rank: int, current: tuple[str, int] | None) -> bool:
    """A contact field keeps its first value, unless the visitor corrects it, the first came only
    from a channel profile, or the new one is the fuller form of the same name ("Dana" -> "Dana Whitfield")."""
    if current is None or cand.correction:
        return True
    value, current_rank = current
    if rank > current_rank and current_rank == 0:
        return True
    new, old = cand.value.lower().split(), value.lower().split()
    return cand.field == "name" and rank > 0 and len(new) > len(old) and new[: len(old)] == old


def combine(extractions: Sequence[MessageExtraction]) -> Extraction:
    contact: dict[str, tuple[str, int]] = {}  # field -> (value, source rank)
    out = Extraction()
    for mx in extractions:
        for cand in mx.contact:
            rank = _SOURCE_RANK[cand.source]
            if _replaces(cand, rank, contact.get(cand.field)):
                contact[cand.field] = (cand.value, rank)
        out.intent_signals.extend(mx.intent)
        for kind in mx.non_buyer:
            if kind not in out.non_buyer:
                out.non_buyer.append(kind)
        for ev in mx.evidence:
            out.evidence.setdefault(ev.signal, []).append(ev)
        out.injection = out.injection or mx.injection
    out.contact = ContactFields(**{f: v for f, (v, _) in contact.items()})
    # Vendors, spammers, job seekers and students use buying words without buying; an existing
    # customer's support request does not cancel a later upgrade or quote request (an expansion sale).
    out.intent = bool(out.intent_signals) and not any(k in _NOT_BUYING for k in out.non_buyer)
    if out.non_buyer and not out.intent:
        out.evidence = {}  # a non-buyer's budget, title or deadline qualifies no sale
    out.last_affirmation = extractions[-1].affirmation if extractions else None
    for sig in Signal:
        out.evidence.setdefault(sig, [])
    return out


def extract_checked(backend: ExtractionBackend, text: str, context: MessageContext) -> MessageExtraction:
    """Run a backend on one message and keep only evidence quoted verbatim from that message."""
    mx = backend.extract_message(text, context)
    kept: list[Evidence] = []
    seen: set[tuple[object, ...]] = set()
    for ev in mx.evidence:
        # An exact repeat adds nothing to the rubric's choice, only size to the stored state (a run-on
        # message can repeat one date or amount hundreds of times).
        key = (ev.signal, ev.quote, ev.grade, ev.correction, ev.yearly_amount, ev.currency, ev.within_days)
        if key not in seen and ev.quote.strip() and ev.quote in text:
            seen.add(key)
            kept.append(ev.model_copy(update={"message_index": context.index}))
    intents = [i for i in mx.intent if not i.quote or i.quote in text]
    return mx.model_copy(update={"message_index": context.index, "evidence": kept, "intent": intents})
