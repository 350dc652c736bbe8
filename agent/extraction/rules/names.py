"""The visitor's own name from how people introduce themselves in chat.

English ("I'm X", "my name is X", "this is X from Y", "X here", "send it to me (X)", "Thanks, X"),
Spanish ("me llamo X", "soy X", "X aquí") and Portuguese ("meu nome é X", "sou o X", "X aqui").
Weak cues ("I'm", "soy") need a capitalised name, because "I'm interested" is not a name; strong
cues ("my name is") and replies to the agent asking for a name also accept informal lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.extraction.rules.contact_words import (
    COMPANY_SUFFIXES,
    GREETING,
    NAME_PARTICLES,
    VALEDICTION,
    is_camel_case,
    is_stopword,
    is_title_word,
)
from agent.extraction.rules.spans import Found, scan

_TOKEN = re.compile(r"[ \t]*([^\W\d_]+(?:['’-][^\W\d_]+)*)")
_MAX_TOKENS = 4
_MAX_LOWER_TOKENS = 3
_STRONG_PRIORITY = 50
_STRONG_KEYS = ("name", "nombre", "nome", "llamo", "chamo")
_INTRO_KEYS = ("i'm", "i’m", "im ", "i am", "soy", "sou", "call me")
_SENTENCE_KEYS = ("this is", "it's", "it’s", "its ", "name's", "name’s", "aqu", "habla")
_HERE_KEYS = (" here", " aqui", " aquí", " speaking")
_HERE_BARE = re.compile(r"[ \t]+(?:here|aqu[ií]|speaking)\b(?!\s+(?:is|are|to|and|in|at|for|on)\b)", re.IGNORECASE)
_GREETING_LEAD = re.compile(rf"\s*{GREETING}\b[\s,!.]*", re.IGNORECASE)
_SIGN_OFF_TAIL = 200  # a sign-off name ends the message, so only its tail is searched
# After a sign-off name only punctuation, an emoji or a "(Company)" may follow.
_ENDS_MESSAGE = re.compile(r"(?:\s*\([^()\n]{1,40}\))?[\s.!]*(?:[^\w\s]\s*)*")
_ROMANCE_FROM = frozenset(["de", "da", "do", "dos", "das", "del"])

_B = r"(?<![\w'’])"  # a word start that is not inside "it's" or an e-mail
_STRONG = re.compile(
    _B + r"(?:my\s+(?:full\s+)?name\s+is|my\s+name['’]s|(?:full\s+)?name\s*:|nombre\s*:|nome\s*:|me\s+llamo|"
    r"mi\s+nombre\s+es|(?:o\s+)?meu\s+nome\s+[ée]|me\s+chamo)\s*(?:(?:actually|really|spelled|spelt|en\s+realidad|na\s+verdade)\s+)*",
    re.IGNORECASE,
)
# Apostrophe-less "im" is also German ("im Onboarding"): only before a short name that ends a clause.
_IM = r"(?<![^\s.!?,])(?-i:[Ii]m)(?=\s+\S+(?:\s+\S+)?(?:\s*(?:$|[,.!])|\s(?:from|de|da|do|at|here)\b))"
_INTRO = re.compile(
    _B + rf"(?:i['’]m|{_IM}|i\s+am|soy|(?:eu\s+)?sou(?:\s+[oa](?=\s))?|you\s+can\s+call\s+me|call\s+me)\s+",
    re.IGNORECASE,
)
# "this is X" / "it's X" introduce a name only at the start of a sentence ("Hi, this is Dana from ...").
_SENTENCE_INTRO = re.compile(
    r"(?<![\w'’])(?:this\s+is\s+|it['’]?s\s+|(?:the\s+)?name['’]s\s+|aqu[ií]\s+(?:[ée]\s+)?(?:[oa]\s+)?|habla\s+)",
    re.IGNORECASE,
)
_SENTENCE_START = re.compile(rf"(?:^|[.!?\n]\s*|{GREETING}[\s,!.]*)$", re.IGNORECASE)
_ME = re.compile(_B + r"me\s*(?:\(\s*|:\s*)", re.IGNORECASE)
_LINE_START = re.compile(rf"(?m)^[ \t]*(?:{GREETING}[\s,!.]*)?", re.IGNORECASE)
_CAP_WORD = r"(?-i:[A-ZÀ-Þ0-9][\w&'’.-]*)"
_HERE = re.compile(
    r"[ \t]*,?[ \t]*(?:(?:from|at|de|da|do)[ \t]+[^\n,.!?]{1,40}?[ \t]+)?(?:here|aqu[ií]|speaking)\b"
    r"(?!\s+(?:is|are|to|and|in|at|for|on)\b)"
    # "Priya from Harrow & Finch again", "Sam from Brightloop, quick one": capitalised company, then a stop
    rf"|[ \t]+(?:from|de|da|do)[ \t]+{_CAP_WORD}(?:[ \t]+(?:&|and|of|{_CAP_WORD}))*"
    r"(?:[ \t]+again\b|[ \t]*(?=[,.!?]|$))",
    re.IGNORECASE | re.MULTILINE,
)
_SIGN_OFF = re.compile(
    rf"(?:^|[\n.!?]\s*){VALEDICTION}[ \t]*(?:[,!.\-–—]+\s*|\n\s*)(?:[-–—][ \t]*)?(?=\S)",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"['’]s$")
_HONORIFIC = re.compile(r"[ \t]*(?:dr|mr|mrs|ms|prof|sr|sra|srta|dra)\.?[ \t]+(?=[A-ZÀ-Þ])", re.IGNORECASE)


def _name_word(word: str, allow_lower: bool, first: bool) -> bool:
    if _POSSESSIVE.search(word) or is_stopword(word) or is_title_word(word) or is_camel_case(word):
        return False
    if word.lower() in COMPANY_SUFFIXES:
        return False
    if len(word) == 1:  # an initial or "Ó" inside a name, never a name on its own
        return not first and word.isupper()
    if word.isupper():  # "CTO", "SSO", shouting: not a name
        return False
    return word[0].isupper() or allow_lower


def take_name(text: str, pos: int, allow_lower: bool = False, strong: bool = True) -> tuple[str, int] | None:
    """The name that starts at `pos` (1-4 words, particles such as 'van den' inside), and its end.

    After a weak cue (`strong=False`: "sou o Bruno da X", "soy Ana de X") a Romance "de/da/do" more
    often introduces the company than a surname, so the name stops there; "my name is João da
    Silva" and whole-phrase checks keep it, and also read "joão da silva" in lower case.
    """
    words: list[str] = []
    pending: list[str] = []  # particles after a first name, kept only if a capitalised word follows
    honorific = _HONORIFIC.match(text, pos)
    end = cursor = honorific.end() if honorific else pos
    while (m := _TOKEN.match(text, cursor)) is not None:
        w = m.group(1)
        if len(words) == 1 and len(pending) < 2 and w.islower() and w in NAME_PARTICLES:
            if not strong and w in _ROMANCE_FROM:
                break
            pending.append(w)
            cursor = m.end()
            continue
        if pending and not (w[0].isupper() or strong):
            break
        if not _name_word(w, allow_lower, not words) or len(words) >= _MAX_TOKENS:
            break
        if w[0].islower() and (len(words) >= _MAX_LOWER_TOKENS or (words and words[-1][0].isupper())):
            break  # "Dana here", "Carla quiere": a capitalised name does not run into lower case
        words += [*pending, w]
        pending.clear()
        end = cursor = m.end()
    if not words or _POSSESSIVE_AFTER.match(text, end):
        return None
    return " ".join(words), end


_POSSESSIVE_AFTER = re.compile(r"['’]s\b")


def name_phrase(phrase: str, allow_lower: bool = False) -> str | None:
    """The name when the whole phrase is one ('Dana Whitfield', 'Dr. Lotte van den Berg')."""
    phrase = phrase.strip()
    got = take_name(phrase, 0, allow_lower)
    return got[0] if got is not None and got[1] == len(phrase) else None


def is_name_phrase(phrase: str, allow_lower: bool = False) -> bool:
    return name_phrase(phrase, allow_lower) is not None


def _after_cue(text: str, cues: Iterable[re.Match[str]], allow_lower: bool, priority: int) -> list[Found]:
    found: list[Found] = []
    strong = priority >= _STRONG_PRIORITY
    for m in cues:
        got = take_name(text, m.end(), allow_lower, strong=strong)
        if got is not None:
            found.append(Found("name", got[0], m.end(), got[1], priority=priority))
    return found


def _here(text: str, allow_lower: bool) -> list[Found]:
    """'Rafael aqui, ...', 'Hey! Tom here 👋' at the start of a line."""
    found: list[Found] = []
    for m in _LINE_START.finditer(text):
        got = take_name(text, m.end(), allow_lower, strong=False)
        if got is not None and _HERE.match(text, got[1]):
            found.append(Found("name", got[0], m.end(), got[1], priority=30))
    return found


def _here_in_clause(text: str, low: str, allow_lower: bool) -> list[Found]:
    """'Hi Acme team, Tom Becker here, VP Ops at ...': a whole clause that is a name, then 'here'."""
    found: list[Found] = []
    for key in _HERE_KEYS:
        i = low.find(key)
        while i >= 0:
            if _HERE_BARE.match(text, i):
                start = max(0, i - 60)
                cut = max(text.rfind(c, start, i) for c in ",.!?;:\n(")
                clause = text[max(start, cut + 1) : i]
                lead = _GREETING_LEAD.match(clause)
                name = name_phrase(clause[lead.end() :] if lead else clause, allow_lower)
                if name is not None:
                    found.append(Found("name", name, i - len(clause), i, priority=30))
            i = low.find(key, i + 1)
    return found


def _me_paren(text: str, low: str) -> list[Found]:
    """'send it to me (Marcus Oyelaran) at ...', 'me: Daniel Cho, ...'."""
    found: list[Found] = []
    for m in scan(_ME, text, low, ("me (", "me(", "me:", "me :"), before=0, after=8):
        got = take_name(text, m.end())
        if got is not None:
            found.append(Found("name", got[0], m.end(), got[1], priority=45))
    return found


def _sign_off(text: str) -> list[Found]:
    """'Thanks, Priya' closing a chat message: the name must end the message."""
    pos = max(0, len(text) - _SIGN_OFF_TAIL)
    while (m := _SIGN_OFF.search(text, pos)) is not None:
        pos = m.start() + 1  # overlapping: "Thanks so much! Talk soon,\nLeo"
        got = take_name(text, m.end(), strong=False)
        if got is not None and _ENDS_MESSAGE.fullmatch(text, got[1]):
            return [Found("name", got[0], m.end(), got[1], priority=20)]
    return []


def _sentence_intro(text: str, low: str, allow_lower: bool) -> list[Found]:
    """'Hi, this is Dana from X', 'It's Sam again!', 'aqui é o Bruno'."""
    found: list[Found] = []
    for m in scan(_SENTENCE_INTRO, text, low, _SENTENCE_KEYS, before=2, after=20):
        if not _SENTENCE_START.search(text, max(0, m.start() - 40), m.start()):
            continue
        got = take_name(text, m.end(), allow_lower, strong=False)
        if got is not None and _intro_ends_well(text, got[1]):
            found.append(Found("name", got[0], m.end(), got[1], priority=40))
    return found


def find_names(text: str, asked_name: bool = False) -> list[Found]:
    """Name candidates with priorities; `asked_name` when the agent's last message asked for it."""
    low = text.lower()
    found = _after_cue(text, scan(_STRONG, text, low, _STRONG_KEYS, before=20, after=25), True, _STRONG_PRIORITY)
    found += _after_cue(text, scan(_INTRO, text, low, _INTRO_KEYS, before=10, after=25), asked_name, 40)
    found += _sentence_intro(text, low, asked_name)
    found += _me_paren(text, low)
    found += _here(text, asked_name) + _here_in_clause(text, low, asked_name)
    found += _sign_off(text)
    return found


_INTRO_END = re.compile(
    r"\s*(?:$|[,.!?;:)\n—–-]|\s(?:from|de|da|do|here|aqu[ií]|again|speaking|with|at)\b)", re.IGNORECASE
)


def _intro_ends_well(text: str, end: int) -> bool:
    """'this is Dana from X' / 'it's Dana!' yes; 'this is Enterprise pricing' no."""
    return _INTRO_END.match(text, end) is not None
