"""The visitor's company from how people say where they work.

"I'm VP Product at X", "I work for X", "we're X, a 30-person agency", "our app (X)",
"this is Dana from X", "somos X", "trabajo en X", "trabalho na X", "Company: X". A company is a
run of capitalised words ("Harrow & Finch Ltd"); the e-mail domain alone never names one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.extraction.rules.contact_words import (
    COMPANY_CONNECTORS,
    COMPANY_SUFFIXES,
    GREETING,
    ROLE_WORDS,
    VALEDICTION,
    is_camel_case,
    is_stopword,
    is_title_word,
)
from agent.extraction.rules.spans import Found, scan

_TOKEN = re.compile(r"[ \t]*([^\W_][\w'’&.+/-]*|&)")
_MAX_TOKENS = 6
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+$")  # "S.A.", "B.V."
_POSSESSIVE = re.compile(r"['’]s$")
_FIRST_PERSON = re.compile(r"(?<![\w'’])(?:i|i['’]m|im|we|we['’]re|our|ours|my|me|us)(?![\w'’])", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?\n](?:\s|$)")
_SENTENCE_REACH = 300


def _strip_token(word: str) -> tuple[str, bool]:
    """Drop a sentence full stop or a possessive; the bool says the company ends here."""
    if _POSSESSIVE.search(word):
        return word[:-2], True
    if word.endswith(".") and word.lower() not in COMPANY_SUFFIXES and not _INITIALS.match(word):
        return word.rstrip("."), True
    return word, False


def take_company(text: str, pos: int, allow_lower: bool = False) -> tuple[str, int] | None:
    """A company name starting at `pos`: capitalised words, connectors and a legal suffix."""
    words: list[str] = []
    pending: list[str] = []  # connectors ("&", "of"), kept only if a word follows
    suffixed = False
    end = cursor = pos
    while len(words) < _MAX_TOKENS and (m := _TOKEN.match(text, cursor)) is not None:
        raw = m.group(1)
        low = raw.lower()
        w, last = (raw, False) if low in COMPANY_SUFFIXES else _strip_token(raw)
        low = w.lower()
        if words and low in COMPANY_CONNECTORS and not last:
            pending.append(w)
            cursor = m.end()
            continue
        if not w or not (w[0].isupper() or w[0].isdigit() or low in COMPANY_SUFFIXES or (allow_lower and not words)):
            break
        if (not words or pending) and (is_stopword(w) or not any(c.isalpha() for c in w) or len(w) < 2):
            break  # "Larkspur Home and I'd like": no name goes on after "and" with a pronoun
        if suffixed and low not in COMPANY_SUFFIXES:
            break  # "Harrow & Finch Ltd. We ...": a legal form ends the name
        words += [*pending, w]
        pending.clear()
        suffixed = len(words) > 1 and low in COMPANY_SUFFIXES
        end = m.start(1) + len(w)
        cursor = m.end()
        if last:
            break
    if not words or all(is_title_word(w) or is_stopword(w) for w in words):
        return None
    return " ".join(words), end


def clean_company(value: str) -> str:
    """Drop a sentence full stop but keep the one of a legal form ('Acme Inc.', 'X S.A. de C.V.')."""
    value = value.strip()
    last = value.rsplit(None, 1)[-1].lower() if value else ""
    return value if last in COMPANY_SUFFIXES else value.rstrip(".")


def is_company_phrase(phrase: str, allow_lower: bool = False) -> bool:
    phrase = phrase.strip()
    got = take_company(phrase, 0, allow_lower)
    return got is not None and got[1] >= len(phrase.rstrip("."))


def has_company_marker(phrase: str) -> bool:
    """A legal suffix, an ampersand, CamelCase or digits: a brand, not a person."""
    return any(
        w.lower() in COMPANY_SUFFIXES or w == "&" or is_camel_case(w) or any(c.isdigit() for c in w)
        for w in phrase.split()
    )


_LABEL = re.compile(
    r"(?im)^[ \t]*(?:company(?:\s+name)?|organi[sz]ation|employer|empresa|compa[ñn][íi]a|companhia)\s*[:\-–]\s*"
)
_WORK = re.compile(
    r"(?<![\w'’])(?:(?:i|we|and)\s+(?:work|works|worked|am\s+working|are\s+working)\s+(?:at|for)"
    r"|(?:i|we)['’](?:m|re)\s+working\s+(?:at|for)"
    r"|(?:trabajo|trabajamos|laboro)\s+(?:en|para)(?:\s+(?:la\s+empresa|el|la))?"
    r"|(?:trabalho|trabalhamos)\s+(?:na|no|em|pela|pelo|para(?:\s+[ao])?)(?:\s+empresa)?)\s+",
    re.IGNORECASE,
)
_WITH = re.compile(
    r"(?<![\w'’])(?:(?:i['’]?m|i\s+am|we['’]re|we\s+are)\s+(?:with|(?:writing|reaching\s+out|calling|"
    r"here)\s+from|from)|on\s+behalf\s+of|(?:i|we)\s+(?:run|own|founded|co-?founded|started|represent))\s+",
    re.IGNORECASE,
)
# "I'm Dana (Whitfield) from X", "this is Dana from X", "sou o Rafael da X", "soy Carla de X".
_NAME_FROM = re.compile(
    r"(?<![\w'’])(?:i['’]?m|i\s+am|this\s+is|it['’]?s|soy|sou(?:\s+[oa])?|aqu[ií]\s+(?:[ée]\s+)?(?:[oa]\s+)?)\s*"
    r"(?:(?-i:[A-ZÀ-Þ][^\W\d_]*)\s*,?\s+){1,3}(?:from|with|de|da|do|at)\s+",
    re.IGNORECASE,
)
# "Maria Gonzalez here from X"; "Tom from X here" (checked for the "here" after the company).
_NAME = r"(?-i:[A-ZÀ-Þ][^\W\d_]+)(?:\s+(?-i:[A-ZÀ-Þ][^\W\d_]+)){0,2}"
_HERE_FROM = re.compile(rf"{_NAME}\s+here,?\s+(?:from\s+|\(\s*)", re.IGNORECASE)
_FROM_HERE = re.compile(rf"(?:^|[.!?\n]\s*|[,!]\s+)(?P<name>{_NAME})\s+from\s+", re.IGNORECASE)
_HERE_AFTER = re.compile(r"\s+(?:here|again)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[ \t]*(?:[,.!?]|$)", re.MULTILINE)
_LINE_LEAD = re.compile(rf"[ \t]*(?:{GREETING}\b[\s,!.]*)?", re.IGNORECASE)
_WE_ARE = re.compile(
    r"(?<![\w'’])(?:we['’]re|we\s+are|somos|n[óo]s\s+somos)\s+(?:(?:a|o|la|el)\s+(?=[A-ZÀ-Þ]))?",
    re.IGNORECASE,
)
# After "we're X": punctuation, an appositive or a place; "We're React on the web" is no company.
_WE_ARE_END = re.compile(
    r"[ \t]*(?:$|[,(:;!—–]|-\s|\.(?:\s|$)|\s(?:from|in|based|de|em|en|da|do|here|and\s+we|y|e)\b)", re.IGNORECASE
)
_APPOSITIVE = re.compile(r"[ \t]*(?:,\s*(?:a|an|un|una|uma|um)\b|\()", re.IGNORECASE)
_OUR = re.compile(
    r"(?<![\w'’])(?:(?:our|my)\s+(?:[a-z-]+\s+){0,2}?(?:company|startup|business|agency|firm|brand|app|"
    r"product|platform|store|shop|studio|organi[sz]ation|org|employer)"
    r"|(?:nuestra|nuestro|mi|nossa|nosso|minha|meu)\s+(?:empresa|compa[ñn][íi]a|startup|negocio|tienda|marca|"
    r"app|aplicaci[óo]n|loja|aplicativo|agencia|ag[êe]ncia|firma)"
    r"|company(?:['’]s)?\s+name|nombre\s+de\s+(?:la|mi)\s+empresa|nome\s+da\s+(?:minha\s+)?empresa)"
    r"(?:\s*\(\s*|\s*,\s*(?=[A-ZÀ-Þ])|\s+(?:is\s+)?(?:called|named)\s+|\s+(?:name\s+)?is\s+|"
    r"\s+(?:se\s+llama|es|[ée]|se\s+chama|chama)\s+)",
    re.IGNORECASE,
)
_CALLED = re.compile(
    r"(?<![\w'’])(?:company|startup|business|agency|firm|brand|app|store|shop|studio|platform|empresa|"
    r"tienda|marca|loja)\s+(?:called|named|llamad[ao]|chamad[ao])\s+",
    re.IGNORECASE,
)
_NAME_PAREN = re.compile(
    rf"(?:(?<![\w'’])(?:i['’]?m|i\s+am|this\s+is|it['’]?s|soy|sou)|{VALEDICTION}[ \t]*[,!.\-–—]+)"
    rf"\s+{_NAME}\s*\(\s*",
    re.IGNORECASE,
)
_PAREN_CLOSE = re.compile(r"\s*\)")
_AT = re.compile(r"(?<![\w'’])(?:at|@)\s+", re.IGNORECASE)
# Words just before "at" that make the place someone else's, an event or a past job.
_AT_BLOCK = frozenset(
    re.findall(
        r"\S+",
        "look looks looking looked glance met meet meeting saw seen see seeing spoke speak talked talking "
        "someone somebody friend friends folks guys contact your you yours webinar conference event booth "
        "arrive arrived stay staying based located previously formerly was were used ex pricing price priced "
        "starting starts start available aim aiming peak peaked stuck best worst",
    )
)
_WORD = re.compile(r"[\w'’]+")
_WORK_WORDS = frozenset(
    re.findall(
        r"\S+",
        "job role position team teams work works working worked employed employee intern internship "
        "department dept function group org office career tool tools run runs running lead leads leading "
        "manage manages managing",
    )
)
_SPEAKER = frozenset(["i'm", "i’m", "im", "am", "we're", "we’re", "we", "are", "me", "us", "here"])


def _sentence(text: str, pos: int) -> tuple[int, int]:
    """The sentence around `pos`, looking at most a few hundred characters either way."""
    lo = max(0, pos - _SENTENCE_REACH)
    start = max((m.end() for m in _SENTENCE_END.finditer(text, lo, pos)), default=lo)
    nxt = _SENTENCE_END.search(text, pos, pos + _SENTENCE_REACH)
    return start, nxt.start() if nxt else min(len(text), pos + _SENTENCE_REACH)


def _about_work(before: list[str], sentence_start: bool, rest: str) -> bool:
    """'VP Product at X', 'I work in marketing at X', 'I'm at X', 'At X we ...' -- not 'we store data
    at X' or 'presenting at X': a role or work word, or the speaker, right before "at"."""
    if _AT_BLOCK.intersection(before):
        return False
    if sentence_start:
        return _FIRST_PERSON.match(rest) is not None
    return any(w in ROLE_WORDS or w in _WORK_WORDS for w in before) or (bool(before) and before[-1] in _SPEAKER)


def _at_company(text: str, low: str) -> list[Found]:
    """'I'm VP Product at X', 'ops lead at X': "at" in a first-person sentence about work."""
    found: list[Found] = []
    for m in scan(_AT, text, low, ("at ", "at\t", "@ "), before=0, after=4):
        got = take_company(text, m.end())
        if got is None:
            continue
        s, e = _sentence(text, m.start())
        before = _WORD.findall(low, max(s, m.start() - 40), m.start())[-4:]
        rest = text[got[1] : got[1] + 12].lstrip(" ,")
        if _FIRST_PERSON.search(text, s, e) and _about_work(before, not text[s : m.start()].strip(), rest):
            found.append(Found("company", got[0], m.end(), got[1], priority=45))
    return found


def _we_are(text: str, low: str) -> list[Found]:
    found: list[Found] = []
    for m in scan(_WE_ARE, text, low, ("we're", "we’re", "we are", "somos"), before=5, after=12):
        got = take_company(text, m.end(), allow_lower=True)
        if got is None:
            continue
        value, end = got
        lower = not value[0].isupper() and not value[0].isdigit()
        if lower and not _APPOSITIVE.match(text, end):
            continue  # "we're growing": lower case needs "we're acme, a ..." to be a name
        if not _WE_ARE_END.match(text, end) or (" " not in value and value.lower().endswith("ing")):
            continue
        found.append(Found("company", value, m.end(), end, priority=50))
    return found


def _after(text: str, cues: Iterable[re.Match[str]], priority: int, allow_lower: bool = False) -> list[Found]:
    found: list[Found] = []
    for m in cues:
        got = take_company(text, m.end(), allow_lower)
        if got is not None:
            found.append(Found("company", got[0], m.end(), got[1], priority=priority))
    return found


def _from_here(text: str, low: str) -> list[Found]:
    found: list[Found] = []
    for m in scan(_FROM_HERE, text, low, ("from",), before=60, after=8):
        got = take_company(text, m.end())
        if got is None:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        lead = _LINE_LEAD.match(text, line_start)
        opens_line = lead is not None and lead.end() >= m.start("name")
        if _HERE_AFTER.match(text, got[1]) or (opens_line and _CLAUSE_END.match(text, got[1])):
            found.append(Found("company", got[0], m.end(), got[1], priority=45))
    return found


_INTRO_KEYS = ("i'm", "i’m", "im ", "i am", "this is", "it's", "it’s", "its ", "soy", "sou", "aqu")


def _called(text: str, low: str) -> list[Found]:
    """'We're a 40-person company called Fieldnote' (in a first-person sentence)."""
    found: list[Found] = []
    for m in scan(_CALLED, text, low, ("called", "named", "llamad", "chamad"), before=30, after=6):
        got = take_company(text, m.end())
        s, e = _sentence(text, m.start())
        if got is not None and _FIRST_PERSON.search(text, s, e):
            found.append(Found("company", got[0], m.end(), got[1], priority=40))
    return found


def _name_paren(text: str, low: str) -> list[Found]:
    """'I'm Priya (Harrow & Finch)', 'Cheers, Rob (Skyward)'."""
    found: list[Found] = []
    for m in scan(_NAME_PAREN, text, low, ("(",), before=60, after=2):
        got = take_company(text, m.end())
        if got is not None and _PAREN_CLOSE.match(text, got[1]):
            found.append(Found("company", got[0], m.end(), got[1], priority=45))
    return found


def find_companies(text: str) -> list[Found]:
    low = text.lower()
    label = ("company", "organi", "employer", "empresa", "compa")
    found = _after(text, scan(_LABEL, text, low, label, before=12, after=20), 60, allow_lower=True)
    found += _after(text, scan(_HERE_FROM, text, low, ("here",), before=60, after=12), 45)
    found += _from_here(text, low)
    work = ("work", "trabaj", "trabalh", "laboro")
    found += _after(text, scan(_WORK, text, low, work, before=12, after=30), 55, allow_lower=True)
    with_ = ("i'm", "i’m", "i am", "we're", "we’re", "we are", "behalf", "run ", "own ", "founded", "started",
             "represent")
    found += _after(text, scan(_WITH, text, low, with_, before=10, after=30), 50)
    found += _we_are(text, low)
    found += _after(text, scan(_NAME_FROM, text, low, _INTRO_KEYS, before=2, after=80), 45)
    found += _at_company(text, low)
    our = ("our ", "my ", "nuestr", "mi ", "noss", "minha", "meu ", "company", "nombre de", "nome da")
    found += _after(text, scan(_OUR, text, low, our, before=0, after=60), 40)
    found += _called(text, low) + _name_paren(text, low)
    return found
