"""Name and company given as bare pieces of a contact line: "Dana Whitfield, dana@x.com, 415-...",
"max@pulsefit.app - Max, PulseFit", "me: Daniel Cho, daniel@x.com (Meridian Freight)".

A line counts when it holds an e-mail or phone, or when the agent's last message asked for a name
or company. The line is cut at punctuation; a piece that is nothing but a name is the name, a piece
that is nothing but a company (or any second bare piece) is the company.
"""

from __future__ import annotations

import re
from typing import Literal

from agent.extraction.base import ContactField
from agent.extraction.rules.companies import clean_company, has_company_marker, is_company_phrase, take_company
from agent.extraction.rules.names import name_phrase, take_name
from agent.extraction.rules.spans import Found
from agent.extraction.rules.titles import title_and_company

_MARK = "\x00"  # stands in for an e-mail or phone inside the line
_SPLIT = re.compile(r"[,;|()\[\]\x00]|[.!?]+(?=\s|$)|\s[-–—/]+\s|:\s|\s\+\s|\s{2,}")
_TRIM = " \t\"'*_~-–—:.!?¡¿"
_TRIM_END = _TRIM.replace(".", "")  # keep the full stop of "Inc."; a sentence's one is split off
_MAX_BARE_REPLY = 160  # a reply to "what's your name?" is short
_NEIGHBOUR = 60  # a name/company line next to a contact line is short
_JOIN = re.compile(r"[ \t]+(?:from|at|@|with|de|da|do)[ \t]+", re.IGNORECASE)


def _pieces(line: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_label) for each piece; a label is glued to a contact ("WhatsApp +1 ...")."""
    out: list[tuple[int, int, bool]] = []
    start = 0
    for m in _SPLIT.finditer(line):
        out.append((start, m.start(), m.group(0) == _MARK))
        start = m.end()
    out.append((start, len(line), False))
    return out


def _trimmed(line: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (line[start] in _TRIM or not (line[start].isalnum() or line[start] == "&")):
        start += 1
    while end > start and (line[end - 1] in _TRIM_END or not (line[end - 1].isalnum() or line[end - 1] in "&.")):
        end -= 1
    return start, end


def _classify(
    piece: str, asked_name: bool, asked_company: bool, have: set[str]
) -> Literal["name", "company"] | None:
    if asked_company and not asked_name:
        return "company" if is_company_phrase(piece, allow_lower=True) else None
    if has_company_marker(piece) and is_company_phrase(piece):
        return "company"
    if "name" not in have and name_phrase(piece.rstrip("."), allow_lower=asked_name) is not None:
        return "name"
    if "name" in have and is_company_phrase(piece, allow_lower=asked_company):
        return "company"
    return None


def _compound(piece: str) -> list[tuple[ContactField, str]]:
    """'Dana Whitfield from Ledgerline', 'Dana (at) Ledgerline', 'CTO at Paystream' as one piece."""
    name = take_name(piece, 0)
    if name is not None and (join := _JOIN.match(piece, name[1])) is not None:
        company = take_company(piece, join.end())
        if company is not None and company[1] >= len(piece.rstrip(".")):
            return [("name", name[0]), ("company", company[0])]
    tc = title_and_company(piece)
    if tc is not None and tc[1] is not None:
        return [("title", tc[0]), ("company", tc[1])]
    return []


def _eligible(lines: list[str], bare_reply: bool) -> set[int]:
    """Lines holding a contact, and short lines right next to one ("Dana Whitfield\ndana@x.com")."""
    if bare_reply:
        return set(range(len(lines)))
    out: set[int] = set()
    for i, line in enumerate(lines):
        if _MARK in line:
            out.add(i)
            out.update(j for j in (i - 1, i + 1) if 0 <= j < len(lines) and 0 < len(lines[j].strip()) <= _NEIGHBOUR)
    return out


def find_line_fields(
    text: str, contact_spans: list[tuple[int, int]], asked_name: bool = False, asked_company: bool = False
) -> list[Found]:
    marked = list(text)
    for s, e in contact_spans:
        marked[s:e] = [_MARK] + [" "] * (e - s - 1)
    lines = "".join(marked).split("\n")
    eligible = _eligible(lines, (asked_name or asked_company) and len(text) <= _MAX_BARE_REPLY)
    found: list[Found] = []
    have: set[str] = set()
    offset = 0
    for i, line in enumerate(lines):
        for start, end, is_label in _pieces(line) if i in eligible else []:
            s, e = _trimmed(line, start, end)
            if s >= e or is_label:
                continue
            piece = line[s:e]
            field = _classify(piece, asked_name, asked_company, have)
            parts = [(field, piece)] if field is not None else _compound(piece)
            for f, value in parts:
                if f not in have:
                    have.add(f)
                    if f == "company":
                        value = clean_company(value)
                    elif f == "name":
                        value = name_phrase(value.rstrip("."), allow_lower=asked_name) or value
                    found.append(Found(f, value, offset + s, offset + e, priority=35))
        offset += len(line) + 1
    return found
