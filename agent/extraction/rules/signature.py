"""E-mail signature blocks: the short lines after a sign-off ("Kind regards," / "Cheers,") or at the
very end of a message, carrying name, title, company, e-mail and phone.

    Best,                        Mit freundlichen Grüßen
    Ryan Castellano              Jonas Becker
    Head of Partnerships         Geschäftsführer
    Outboundly                   Lindwurm Software GmbH
    ryan@outboundly.io | ...     Tel. +49 89 2154 7730
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.extraction.rules.companies import clean_company, is_company_phrase
from agent.extraction.rules.contact_words import VALEDICTION
from agent.extraction.rules.names import is_name_phrase, name_phrase
from agent.extraction.rules.spans import Found
from agent.extraction.rules.titles import is_title_phrase, title_and_company

_VALEDICTION_LINE = re.compile(rf"[ \t]*[-–—~]*[ \t]*{VALEDICTION}[ \t]*[,.!]*[ \t]*(?P<rest>.*?)[ \t]*", re.IGNORECASE)
_DELIMITER = re.compile(r"[ \t]*(?:--|—|–|_{2,})[ \t]*")
_DASH_NAME = re.compile(r"[ \t]*[-–—~]+[ \t]*(?P<rest>[^\W\d_].*?)[ \t]*")  # "— Priya"
_PART_SPLIT = re.compile(
    r"[ \t]*[|·•][ \t]*|[ \t]+[-–—][ \t]+|,[ \t]+(?!(?:inc|ltd|llc|gmbh|s\.?a|s\.?l|corp|co)\b)", re.IGNORECASE
)
_CONTACTISH = re.compile(
    r"\S@\S|https?://|www\.|\.(?:com|io|co|org|net|app)\b|\d{3}|^(?:[mtpfe]|tel|phone|mobile|cell|fax|e-?mail|web)\s*[:.]",
    re.IGNORECASE,
)
_MAX_LINES = 8
_MAX_LINE_CHARS = 80
_SEARCH_LINES = 15


@dataclass(slots=True)
class Signature:
    start: int = -1  # offset where the block starts; -1 when the message has none
    found: list[Found] = field(default_factory=list)


def _lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _block(lines: list[tuple[int, str]], first: int) -> list[tuple[int, str]]:
    """Non-empty short lines from `first` on; a long line means the body resumed."""
    block: list[tuple[int, str]] = []
    for off, line in lines[first:]:
        if not line.strip():
            continue
        if len(line) > _MAX_LINE_CHARS or len(block) >= _MAX_LINES:
            break
        block.append((off, line))
    return block


def _extends(found: list[Found], name: str) -> bool:
    """'Tom' then 'Tom Becker | VP Ops': the fuller line is the same person's name."""
    return any(f.field == "name" and name.lower().startswith(f.value.lower() + " ") for f in found)


def _classify(block: list[tuple[int, str]], out: list[Found]) -> None:
    have = {f.field for f in out}
    for off, line in block:
        pos = 0
        for piece in [*_PART_SPLIT.split(line)]:
            start = line.find(piece, pos)
            pos = start + len(piece)
            part = piece.strip(" \t*_")
            if not part or _CONTACTISH.search(part):
                continue
            tc = title_and_company(part)
            if tc is not None and "title" not in have:
                out.append(Found("title", tc[0], off + start, off + pos, "signature", 30))
                have.add("title")
                if tc[1] is not None and "company" not in have:
                    out.append(Found("company", tc[1], off + start, off + pos, "signature", 52))
                    have.add("company")
            elif tc is not None or is_title_phrase(part):
                continue
            elif (name := name_phrase(part)) is not None and (not have or _extends(out, name)):
                out[:] = [f for f in out if f.field != "name"]
                out.append(Found("name", name, off + start, off + pos, "signature", 38))
                have.add("name")
            elif "company" not in have and is_company_phrase(part):
                out.append(Found("company", clean_company(part), off + start, off + pos, "signature", 52))
                have.add("company")


def _sign_off_index(lines: list[tuple[int, str]]) -> tuple[int, Found | None] | None:
    """Index of the sign-off (or '--') line nearest the end, and a name written on it."""
    last = len(lines) - 1
    for i in range(last, max(-1, last - _SEARCH_LINES), -1):
        off, line = lines[i]
        if _DELIMITER.fullmatch(line):
            return i, None
        m = _VALEDICTION_LINE.fullmatch(line) or (_DASH_NAME.fullmatch(line) if i == last else None)
        if m is None:
            continue
        rest = m.group("rest")
        if not rest:
            return i, None
        if (name := name_phrase(rest)) is not None:
            return i, Found("name", name, off + m.start("rest"), off + m.end("rest"), "signature", 38)
    return None


def _trailing_block(lines: list[tuple[int, str]]) -> Signature:
    """No sign-off: a last paragraph that starts with a name ('Aoife', or name/title/phone lines)."""
    last_blank = max((i for i, (_, line) in enumerate(lines) if not line.strip() and i < len(lines) - 1), default=-1)
    if last_blank < 0:
        return Signature()
    block = _block(lines, last_blank + 1)
    if not block or len(block) > _MAX_LINES - 1 or not is_name_phrase(block[0][1]):
        return Signature()
    if len(block) == 1:
        off, line = block[0]
        name = name_phrase(line) or line.strip()
        return Signature(off, [Found("name", name, off + line.find(name), off + len(line), "signature", 15)])
    sig = Signature(block[0][0])
    _classify(block, sig.found)
    others = {f.field for f in sig.found} - {"name"}
    has_contact = any(_CONTACTISH.search(line) for _, line in block[1:])
    return sig if others or has_contact else Signature()


def find_signature(text: str) -> Signature:
    lines = _lines(text.rstrip())
    got = _sign_off_index(lines)
    if got is None:
        return _trailing_block(lines)
    index, inline = got
    block = _block(lines, index + 1)
    sig = Signature(lines[index][0], [inline] if inline else [])
    _classify(block, sig.found)
    return sig
