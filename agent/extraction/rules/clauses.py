"""Sentences and clauses with exact character spans, so every quote is a slice of the message.

Rules match against `Doc.norm` (the message lowercased, curly apostrophes made straight, same
length), so a match's span is also a span of the original text. A clause is the short unit a quote is cut
from: sentences break at terminal punctuation, line breaks and ellipses; clauses further at commas,
semicolons, colons, dashes, brackets, emoji and linking words ("but", "so", "and we ...").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate

from agent.extraction.rules.lexicon import FLAGS, NEGATOR, NOT_A_NEGATION

_STRAIGHTEN = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'", "“": '"', "”": '"', "\u00a0": " "})

# Abbreviations whose full stop does not end a sentence.
_ABBREV = frozenset(re.findall(
    r"\S+",
    "mr mrs ms dr st vs etc approx appr ca inc ltd co corp e.g i.e eg ie no nr tel jan feb mar apr jun "
    "jul aug sep sept oct nov dec mon tue wed thu fri sat sun p.a pa fig min max est aprox sr sra dra",
))
_LAST_WORD = re.compile(r"([\w.]+)$")
_NEXT_CHAR = re.compile(r"[ \t]*([^ \t])")
_SENT_END = re.compile(r"\.{2,}|…+|[.!?]+(?=[\s\"')\]]|$)|[!?]+|\n+")
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d"
_CLAUSE_BREAK = re.compile(
    r",\s|;|:(?=\s)|\s[-–—]+\s|[()\[\]{}|]|[" + _EMOJI + r"]+"
    r"|\s(?:but|so|because|although|though|whereas|while|until|unless|except that|"
    r"pero|aunque|porque|sino|mas|porém|então|entonces|aber|weil|sondern|obwohl)(?=\s)"
    r"|\sand(?=\s+(?:i|i'm|i'll|i'd|im|we|we're|we've|we'd|it|it's|its|they|he|she|you|nobody|"
    r"no one|our|my|their|that|this|there)\s)"
    r"|\sy(?=\s+(?:yo|no|nosotros|mi|nuestro|nuestra|tenemos|queremos|necesitamos|el|la)\s)"
    r"|\se(?=\s+(?:eu|não|nao|nós|a gente|meu|minha|nosso|nossa|temos|queremos|precisamos|a|o)\s)",
    FLAGS,
)
_LEAD_CHARS = " \t\r\n\f\v\u00a0\"'*•>#~=,;:.!?…-–—"
_TAIL_CHARS = " \t\r\n\f\v\u00a0\"'*,;:.!?…-–—([{"
_LEAD_WORD = re.compile(r"(?:and|but|so|then|also|plus|y|e|und|aber)\s", FLAGS)


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    sentence: int


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    first: int  # index of its first clause
    stop: int  # one past its last clause


def straighten(text: str) -> str:
    """Same-length normalisation: curly quotes become straight ones."""
    return text.translate(_STRAIGHTEN)


def normalise(text: str) -> str:
    """Straight quotes and lower case, keeping every character where it was (so spans stay valid)."""
    low = straighten(text).lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in straighten(text))  # e.g. "İ" lowers to 2 chars


def trim(norm: str, start: int, end: int) -> tuple[int, int]:
    """Narrow a span to its words: no surrounding spaces, punctuation or leading linking word."""
    seg = norm[start:end]
    lead = 0
    while True:  # punctuation, spaces and linking words, in any order (str methods: linear time)
        lead = len(seg) - len(seg[lead:].lstrip(_LEAD_CHARS))
        m = _LEAD_WORD.match(seg, lead)
        if not m:
            break
        lead = m.end()
    tail = len(seg[lead:].rstrip(_TAIL_CHARS)) + lead
    return (start + lead, start + tail) if tail > lead else (start, start)


def _is_boundary(norm: str, m: re.Match[str]) -> bool:
    tok = m.group(0)
    if tok.startswith("\n"):
        # A hard-wrapped line continues when it ends mid-word and the next line starts lowercase.
        # (Signature lines are short, so only a long line can be a wrapped one.)
        line = norm[norm.rfind("\n", 0, m.start()) + 1: m.start()].rstrip(" \t")
        after = _NEXT_CHAR.match(norm, m.end())  # not a slice of the rest: this runs for every line break
        return not (len(tok) == 1 and len(line) >= 40 and after is not None and (line[-1].isalpha() or line[-1] == ",")
                    and after.group(1).islower())
    if tok == ".":
        word = _LAST_WORD.search(norm, max(0, m.start() - 30), m.start())
        if word:
            w = word.group(1).lower()
            if w in _ABBREV or (len(w) == 1 and w.isalpha()):
                return False
    return True


def _sentence_spans(norm: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(norm):
        if _is_boundary(norm, m):
            spans.append((start, m.end()))
            start = m.end()
    spans.append((start, len(norm)))
    return spans


class Doc:
    """A message split into sentences and clauses, with the spans rules must ignore (injections)."""

    __slots__ = ("_blocked", "_blocked_reach", "_blocked_starts", "_cache", "_clause_starts", "_quotes",
                 "_sentence_starts", "_starts", "clauses", "norm", "sentences", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.norm = normalise(text)
        self.sentences: list[Sentence] = []
        self.clauses: list[Clause] = []
        self.blocked = []
        self._cache: dict[int, set[int]] = {}
        self._quotes: dict[tuple[int, int], str] = {}
        self._starts: dict[int, list[int]] = {}
        for s_start, s_end in _sentence_spans(self.norm):
            a, b = trim(self.norm, s_start, s_end)
            if a == b:
                continue
            first = len(self.clauses)
            pos = a
            for m in _CLAUSE_BREAK.finditer(self.norm, a, b):
                self._add_clause(pos, m.start())
                pos = m.end()
            self._add_clause(pos, b)
            if len(self.clauses) > first:
                self.sentences.append(Sentence(a, b, first, len(self.clauses)))
        self._clause_starts = [c.start for c in self.clauses]
        self._sentence_starts = [s.start for s in self.sentences]

    def _add_clause(self, start: int, end: int) -> None:
        a, b = trim(self.norm, start, end)
        if b > a:
            self.clauses.append(Clause(a, b, len(self.sentences)))

    # --- lookup --------------------------------------------------------------------------------
    def clause_at(self, pos: int) -> int | None:
        """The clause holding `pos`; for a linking word between clauses ("until 2027"), the next one."""
        i = bisect_right(self._clause_starts, pos) - 1
        if i >= 0 and pos < self.clauses[i].end + 1:
            return i
        return i + 1 if i + 1 < len(self.clauses) else None

    def sentence_at(self, pos: int) -> int | None:
        i = bisect_right(self._sentence_starts, pos) - 1
        return i if i >= 0 and pos <= self.sentences[i].end else None

    def clause_text(self, i: int) -> str:
        c = self.clauses[i]
        return self.norm[c.start:c.end]

    def sentence_text(self, i: int) -> str:
        s = self.sentences[i]
        return self.norm[s.start:s.end]

    def is_question(self, sentence: int) -> bool:
        s = self.sentences[sentence]
        return "?" in self.norm[s.start:s.end + 3]

    @property
    def blocked(self) -> list[tuple[int, int]]:
        """Spans rules must ignore (injections, quoted history)."""
        return self._blocked

    @blocked.setter
    def blocked(self, spans: list[tuple[int, int]]) -> None:
        self._blocked = sorted(spans)
        self._blocked_starts = [a for a, _ in self._blocked]
        self._blocked_reach = list(accumulate((b for _, b in self._blocked), max))  # furthest end so far

    def is_blocked(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a blocked span; a bisect, since every match asks."""
        i = bisect_left(self._blocked_starts, end)  # the spans that start before `end`
        return i > 0 and self._blocked_reach[i - 1] > start

    # --- matching -------------------------------------------------------------------------------
    def find(self, pattern: re.Pattern[str], start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
        """Matches outside blocked (injection) spans."""
        for m in pattern.finditer(self.norm, start, len(self.norm) if end is None else end):
            if not self.is_blocked(m.start(), m.end()):
                yield m

    def sentences_with(self, pattern: re.Pattern[str]) -> set[int]:
        """Indices of the sentences where the pattern matches (computed once per pattern)."""
        key = id(pattern)
        hit = self._cache.get(key)
        if hit is None:
            hit = {i for m in self.find(pattern) if (i := self.sentence_at(m.start())) is not None}
            self._cache[key] = hit
        return hit

    def match_between(self, pattern: re.Pattern[str], start: int, end: int) -> bool:
        """Whether the pattern matches (outside injections) starting in [start, end); one scan per pattern."""
        key = ~id(pattern)
        starts = self._starts.get(key)
        if starts is None:
            starts = self._starts[key] = [m.start() for m in self.find(pattern)]
        i = bisect_left(starts, start)
        return i < len(starts) and starts[i] < end

    def clauses_with(self, pattern: re.Pattern[str]) -> set[int]:
        key = -id(pattern)
        hit = self._cache.get(key)
        if hit is None:
            hit = {i for m in self.find(pattern) if (i := self.clause_at(m.start())) is not None}
            self._cache[key] = hit
        return hit

    # --- quoting --------------------------------------------------------------------------------
    def quote(self, start: int, end: int) -> str:
        a, b = trim(self.norm, start, end)
        return self.text[a:b]

    def clause_quote(self, first: int, last: int | None = None) -> str:
        """The original text of clauses first..last (inclusive), trimmed."""
        last = first if last is None else last
        got = self._quotes.get((first, last))
        if got is None:  # many candidates in one long clause share its quote
            got = self._quotes[(first, last)] = self.quote(self.clauses[first].start, self.clauses[last].end)
        return got

    def negated_before(self, pos: int, words: int = 4) -> bool:
        """A negator among the few words before `pos` in the same clause ("not the decision maker")."""
        ci = self.clause_at(pos)
        start = self.clauses[ci].start if ci is not None else max(0, pos - 40)
        tail = " ".join(self.norm[start:pos].rsplit(None, words)[-words:])  # not split(): clauses can be long
        return bool(NEGATOR.search(tail)) and not NOT_A_NEGATION.search(tail)
