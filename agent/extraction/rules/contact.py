"""Contact details from one visitor message: chat phrasing and e-mail signature blocks.

The finders (emails, phones, names, companies, titles, contact lines, signature) each return
`Found` values with their position; this module drops values that are not the visitor's own
(a boss's address, an old or negated one), marks corrections, and keeps one name, company and
title per message (the best-supported one, or the fuller form of it).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from agent.extraction.base import ContactCandidate, ContactField, MessageContext
from agent.extraction.rules.companies import find_companies
from agent.extraction.rules.contact_lines import find_line_fields
from agent.extraction.rules.contact_words import THIRD_PARTY_ROLE, is_stopword
from agent.extraction.rules.emails import find_emails
from agent.extraction.rules.names import find_names
from agent.extraction.rules.phones import find_phones, region_hint
from agent.extraction.rules.signature import find_signature
from agent.extraction.rules.spans import Found
from agent.extraction.rules.titles import find_titles

# Quoted history in an e-mail reply belongs to earlier messages (often the agent's).
_QUOTE_START = re.compile(
    r"(?im)^(?:[ \t]*(?:on\b.{0,200}\bwrote:|el\b.{0,200}\bescribi[óo]:|em\b.{0,200}\bescreveu:|am\b.{0,200}"
    r"\bschrieb:|-{2,}\s*(?:original\s+message|forwarded\s+message|mensaje\s+original|mensagem\s+original)"
    r"\s*-{2,}|from:\s.+\n(?:sent|date|to):)[ \t]*$)"
)
_QUOTED_LINE = re.compile(r"(?m)^[ \t]*>.*$")

_CUE = re.compile(
    r"(?<![\w'’@.-])(?:sorry(?!\s+(?:for|about|to|if|but|i\s+can|we))|oops|whoops|typo|actually|correction|"
    r"i\s+meant|meant|my\s+bad|(?<!can't\s)(?<!can’t\s)(?<!cannot\s)wait|instead|rather\s+use|"
    r"new\s+(?:one|e-?mail|number|phone|address)|"
    r"perd[oó]n|disculpa|quise\s+decir|en\s+realidad|me\s+equivoqu[ée]|desculp[ae]|foi\s+mal|na\s+verdade|"
    r"quer\s+dizer|quis\s+dizer|corrigindo|errei|ops(?=\s*[,!]))(?![\w'’@.-])",
    re.IGNORECASE,
)
_CUE_NEAR = 40  # a name/company correction cue must be this close before the value
_CUE_WINDOW = 60  # an e-mail/phone correction cue must be this close to the value
_SENTENCE_BREAK = re.compile(r"[.!?\n](?:\s|$)")
# Right before a value: it is negated or out of date ("not jmorgan@...", "my old email was ...").
_NOT_CURRENT = re.compile(
    r"(?<![\w'’])(?:not|no\s+es|n[ãa]o\s+[ée]|instead\s+of|rather\s+than|emailed|e-mailed|wrote\s+to|"
    r"cc['’]?d|cc|copied|forwarded(?:\s+it)?\s+to|(?:old|previous|former|outdated)\s+(?:e-?mail|address|one|"
    r"number|phone|cell)|(?:correo|n[úu]mero|e-?mail|tel[ée]fono|telefone)\s+(?:antiguo|viejo|anterior|antigo|velho))"
    r"(?![\w'’])[^,;@\d]{0,25}$",  # nothing else given in between
    re.IGNORECASE,
)
_THIRD_PARTY = re.compile(
    rf"(?<![\w'’])(?:my|our|his|her|their|mi|su|nuestr[oa]|meu|minha|nosso|nossa|seu|sua)\s+{THIRD_PARTY_ROLE}\b",
    re.IGNORECASE,
)
_SELF_AFTER = re.compile(
    r"(?<![\w'’])(?:me|my|i|mine|myself|us|our|m[ií]|m[ií]o|m[ií]a|mim|yo|eu|meu|minha)(?![\w'’])", re.IGNORECASE
)
_ASK_NAME = re.compile(r"\b(?:name|nombre|nome)\b|\bwho\s+(?:am\s+i|is\s+this)\b|con\s+qui[eé]n|com\s+quem", re.I)
_COMPANY_NAME_ASK = re.compile(
    r"(?:company|business|empresa|organi[sz]ation)['’]?s?\s+(?:name|nombre|nome)|(?:name|nombre|nome)\s+"
    r"(?:of|de|da|do)\s+(?:the|your|tu|su|sua|seu|la)?\s*(?:company|business|empresa|organi[sz]ation)",
    re.IGNORECASE,
)
_ASK_COMPANY = re.compile(
    r"\b(?:your|tu|su|sua|seu)\s+(?:company|empresa|organi[sz]ation|employer)\b|\bcompany\s+name\b|"
    r"\b(?:which|what)\s+company\b|\bwhere\s+do\s+you\s+work\b|\bqu[eé]\s+empresa\b|\bqual\s+(?:a\s+)?empresa\b|"
    r"\bnombre\s+de\s+(?:la|tu|su)\s+empresa\b|\bnome\s+da\s+(?:sua\s+)?empresa\b",
    re.IGNORECASE,
)
_AGENT_INTRO = re.compile(r"\b(?:i['’]m|i\s+am|my\s+name\s+is|this\s+is|soy|sou)\s+([^\W\d_]+)", re.IGNORECASE)
_PROFILE_JUNK = re.compile(r"[^\w\s'’.-]")
_STRONG_NAME = 40  # names at or above this priority came from an explicit introduction


def _strip_quoted(text: str) -> str:
    m = _QUOTE_START.search(text)
    if m is not None:
        text = text[: m.start()]
    return _QUOTED_LINE.sub("", text) if ">" in text else text


@lru_cache(maxsize=256)  # the agent's questions come from a few templates
def _asked(previous_agent_text: str | None) -> tuple[bool, bool]:
    """Did the agent's last message ask for the visitor's name, their company?"""
    if not previous_agent_text:
        return False, False
    company = bool(_ASK_COMPANY.search(previous_agent_text))
    name_text = _COMPANY_NAME_ASK.sub(" ", previous_agent_text)
    return bool(_ASK_NAME.search(name_text)), company


def _not_visitors(text: str, f: Found) -> bool:
    """A negated, outdated or third person's address/number ("my boss's email is ...")."""
    window = text[max(0, f.start - 60) : f.start]
    breaks = list(_SENTENCE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end() :]
    if _NOT_CURRENT.search(window):
        return True
    thirds = list(_THIRD_PARTY.finditer(window))
    return bool(thirds) and not _SELF_AFTER.search(window, thirds[-1].end())


def _mark_corrections(text: str, values: list[Found], all_spans: list[tuple[int, int]]) -> None:
    """E-mail/phone: a value right after a correction cue ("sorry, it's ...", "actually use ..."), or
    right before one with nothing in between ("nina.p@x.io sorry, the other one is old"), is a fix."""
    starts = sorted(s for s, _ in all_spans)
    for i, f in enumerate(values):
        lo = max(values[i - 1].end if i else 0, f.start - _CUE_WINDOW)
        if _CUE.search(text, lo, f.start):
            f.correction = True
            continue
        line_end = text.find("\n", f.end)
        hi = min(f.end + _CUE_WINDOW, len(text) if line_end < 0 else line_end)
        j = bisect_left(starts, f.end)
        nxt = starts[j] if j < len(starts) else hi
        if i == len(values) - 1 and _CUE.search(text, f.end, min(hi, nxt)):
            f.correction = True


def _mark_near_correction(text: str, f: Found) -> None:
    """Name/company: "sorry, my name is actually ..." -- a cue just before it, in the same sentence."""
    lo = max(0, f.start - _CUE_NEAR)
    lo = max([lo, *(m.end() for m in _SENTENCE_BREAK.finditer(text, lo, f.start))])
    if _CUE.search(text, lo, f.start):
        f.correction = True


def _best(cands: list[Found]) -> Found | None:
    """Highest priority; a fuller form of the same value ('Dana' -> 'Dana Whitfield') wins."""
    if not cands:
        return None
    best = max(cands, key=lambda f: (f.priority, -f.start))
    key = best.value.lower()
    for f in cands:
        low = f.value.lower()
        if len(low) > len(key) and (low.startswith(key + " ") or (best.field == "company" and key in low)):
            best = Found(best.field, f.value, best.start, best.end, best.source, best.priority, best.correction)
            key = low
    return best


def _dedupe(values: list[Found]) -> list[Found]:
    seen: set[str] = set()
    out: list[Found] = []
    for f in values:
        if f.value not in seen or f.correction:
            seen.add(f.value)
            out.append(f)
    return out


def _profile(sender_name: str | None) -> ContactCandidate | None:
    """A channel profile name ("Dana W. 🌵") when it looks like a person's name."""
    if not sender_name:
        return None
    cleaned = " ".join(_PROFILE_JUNK.sub(" ", sender_name).split())
    words = cleaned.split()
    if not words or len(words) > 4 or any(c.isdigit() for c in cleaned) or all(is_stopword(w) for w in words):
        return None
    return ContactCandidate(field="name", value=cleaned, source="profile")


@lru_cache(maxsize=256)
def _agent_names(previous_agent_text: str | None) -> frozenset[str]:
    return frozenset(m.group(1).lower() for m in _AGENT_INTRO.finditer(previous_agent_text or ""))


def _is_agent_name(f: Found, agent_names: frozenset[str]) -> bool:
    """'Thanks, Ava' to an agent that introduced itself as Ava is not the visitor's name."""
    return f.field == "name" and f.priority < _STRONG_NAME and f.value.lower() in agent_names


def _in_signature(found: list[Found], sig_start: int) -> None:
    if sig_start >= 0:
        for f in found:
            if f.start >= sig_start:
                f.source = "signature"


def _one_of(field: ContactField, cands: list[Found], text: str) -> list[Found]:
    best = _best([f for f in cands if f.field == field])
    if best is None:
        return []
    _mark_near_correction(text, best)
    return [best]


def extract_contact(text: str, context: MessageContext) -> list[ContactCandidate]:
    body = _strip_quoted(text)
    asked_name, asked_company = _asked(context.previous_agent_text)

    emails = [f for f in find_emails(body) if not _not_visitors(body, f)]
    masked = list(body)
    for f in emails:
        masked[f.start : f.end] = " " * (f.end - f.start)
    region = region_hint([e.value for e in emails])
    phones = [f for f in find_phones("".join(masked), region) if not _not_visitors(body, f)]

    sig = find_signature(body)
    _in_signature(emails + phones, sig.start)
    spans = [(f.start, f.end) for f in emails + phones]
    others = find_names(body, asked_name) + find_companies(body) + find_titles(body) + sig.found
    others += find_line_fields(body, spans, asked_name, asked_company)

    agent_names = _agent_names(context.previous_agent_text)
    others = [f for f in others if not _is_agent_name(f, agent_names)]

    names = _one_of("name", others, body)
    companies = [c for c in _one_of("company", others, body) if not names or c.value.lower() != names[0].value.lower()]
    titles = _one_of("title", others, body)
    emails, phones = _dedupe(emails), _dedupe(phones)
    _mark_corrections(body, emails, spans)
    _mark_corrections(body, phones, spans)

    out = [
        ContactCandidate(field=f.field, value=f.value, correction=f.correction, source=f.source)
        for f in names + emails + phones + companies + titles
    ]
    profile = _profile(context.sender_name)
    if profile is not None:
        out.append(profile)
    return out
