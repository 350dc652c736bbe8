"""Timing evidence: when the visitor means to buy, decide or go live, as days from `today`.

A date counts when its sentence talks about buying, deciding, starting or a deadline (or answers
the agent's "when" question); dates about a demo or a call, and past events, do not. A negated or
lower-bound date ("not before the new year", "until our fiscal year starts in July") and uncertain
phrases ("no rush") give weak evidence without days; the rubric's window grades the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from agent.extraction.base import Evidence, Signal
from agent.extraction.rules.budget import CORRECTION
from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.dates import DateHit, find_dates
from agent.extraction.rules.lexicon import FLAGS, NEGATOR, NOT_A_NEGATION, PAST
from agent.extraction.rules.questions import Asked

# Buying, deciding and going live: the strongest reason to read a date as purchase timing.
_DECISION = re.compile(
    r"\b(?:decid\w*|decision|choos\w*|chose|pick\w*|select\w*|buy\w*|purchas\w*|sign\w*|start\w*|begin\w*|"
    r"kick\w* off|roll\w* (?:it |this )?out|rollout|implement\w*|deploy\w*|launch\w*|relaunch\w*|release|go live|"
    r"going live|live|in place|up and running|onboard\w*|switch\w*|migrat\w*|move (?:to|over)|replace\w*|adopt\w*|"
    r"get started|commit\w*|vendor|decidir|decisi[oó]n|decis[aã]o|comprar|contratar|"
    r"empezar|começar|comecar|implementar|lanzar|lançar|lancar|arrancar|migrar|elegir|escolher|einf[üu]hrung|"
    r"entscheid\w*|starten|kaufen|abgeschlossen)\b",
    FLAGS,
)
# Future intent and deadlines: enough to read a date as timing, weaker than a decision verb.
_FUTURE = re.compile(
    r"\b(?:need\w*|want\w*|plan\w*|aim\w*|hop(?:e|ing)|looking to|would like|'d like|going to|gonna|will|'ll|"
    r"intend\w*|expect\w*|ready|sorted|deadline|by|before|no later than|budget|fiscal|financial year|contract|"
    r"renew\w*|expir\w*|"
    r"necesit\w*|queremos|quiero|preciso|precisamos|queria|quer[ií]amos|planeamos|planejamos|antes de|"
    r"até|hasta|bis|soll|wollen|m[öo]chten|brauchen)\b",
    FLAGS,
)
# Talk about the sales conversation itself ("a demo next week", "send it by Friday").
_SALES_TALK = re.compile(
    r"\b(?:demo\w*|call|calls|meeting|chat|talk|reply|respond|get back|follow[- ]?up|send|email me|invite|webinar|"
    r"walkthrough|quote|proposal|trial|info|information|details|slot|slots|llamada|reuni[oó]n|reuni[aã]o|"
    r"liga[çc][aã]o|demostraci[oó]n|demonstra[çc][aã]o|prueba|teste|r[üu]ckruf|termin|"
    # support requests ("can someone fix it asap")
    r"fix|look into|look at|support|ticket|resolve the issue|arreglar|consertar|resolver o problema)\b",
    FLAGS,
)
_LOWER_BOUND = re.compile(
    r"(?:\bnot\s+(?:\w+\s+){0,4}?(?:before|until|till)|no sooner than|\bafter\b|\bonce\b|\buntil\b|\btill\b|"
    r"\bstarting\b|a partir de|despu[eé]s de|depois de|hasta que|at[eé] que|nicht vor|\berst\b|\bnach\b|"
    r"\bn[aã]o antes de|\bno antes de)",
    FLAGS,
)
_HAVE_UNTIL = re.compile(r"\b(?:have|got|tenemos|temos|haben)\s+(?:\w+\s+)?(?:until|till|hasta|até|bis)\b", FLAGS)
# Uncertain phrases that are a timing answer on their own ("no rush"); others need a buying context.
_STANDALONE_UNCERTAIN = re.compile(
    r"no rush|no hurry|not in a (?:rush|hurry)|no (?:fixed |set |specific |real |firm )?(?:timeline|deadline|"
    r"timeframe|time ?frame|date)|nothing (?:concrete|definite|firm|set|planned)|not sure when|no idea when|"
    r"don'?t know when|for later|sin prisa|no hay prisa|sin apuro|"
    r"sin urgencia|sem pressa|n[aã]o tem pressa|sem urg[êe]ncia|keine eile",
    FLAGS,
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    evidence: Evidence
    order: tuple[int, int, int]  # (uncertain or lower bound, weak cue, position): best first


_LOWER_BOUND_REACH = 300  # a lower-bound cue ("not before", "until") sits this close before its date


class _Clauses:
    """Per-clause facts, computed once: a run-on clause can hold hundreds of dates."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self._excluded: dict[int, bool] = {}
        self._decision: dict[int, bool] = {}

    def excluded(self, ci: int) -> bool:
        """Sales talk or the past: a date there is no buying timing."""
        got = self._excluded.get(ci)
        if got is None:
            text = self.doc.clause_text(ci)
            got = self._excluded[ci] = bool(_SALES_TALK.search(text) or PAST.search(text))
        return got

    def decision(self, ci: int) -> bool:
        got = self._decision.get(ci)
        if got is None:
            got = self._decision[ci] = _DECISION.search(self.doc.clause_text(ci)) is not None
        return got


def timing_evidence(doc: Doc, asked: Asked, today: date) -> list[Evidence]:
    hits = [h for h in find_dates(doc.norm, today) if not doc.is_blocked(h.start, h.end)]
    uncertain_sentences = {doc.sentence_at(h.start) for h in hits if h.kind in ("uncertain", "fiscal")}
    clauses = _Clauses(doc)
    found: list[_Candidate] = []
    for hit in hits:
        cand = _candidate(clauses, asked, hit, uncertain_sentences)
        if cand is not None:
            found.append(cand)
    found.sort(key=lambda c: c.order)
    return [c.evidence for c in found]


def _candidate(clauses: _Clauses, asked: Asked, hit: DateHit,
               uncertain_sentences: set[int | None]) -> _Candidate | None:
    doc = clauses.doc
    ci, si = doc.clause_at(hit.start), doc.sentence_at(hit.start)
    if ci is None or si is None:
        return None
    if clauses.excluded(ci):
        return None
    decision = clauses.decision(ci)
    sentence_cue = si in doc.sentences_with(_DECISION) or si in doc.sentences_with(_FUTURE)
    if hit.kind == "weekday" and not (decision or asked.timing):
        return None  # "Tuesday" alone is a meeting day, not a buying date
    standalone = hit.kind == "uncertain" and _STANDALONE_UNCERTAIN.search(doc.norm, hit.start, hit.end)
    if not (standalone or sentence_cue or asked.timing or hit.kind == "urgent"):
        return None
    days = hit.days
    lower = _lower_bound(doc, ci, hit)
    if lower or si in uncertain_sentences:
        days = None
    first, last = _quote_span(clauses, ci, decision)
    evidence = Evidence(
        signal=Signal.timing,
        quote=doc.clause_quote(first, last),
        grade="strong" if days is not None else "weak",
        within_days=days,
        correction=doc.match_between(CORRECTION, doc.sentences[si].start, hit.start),
    )
    vague = days is None or hit.kind == "urgent"
    return _Candidate(evidence, (int(vague) + int(hit.kind == "urgent"), int(not decision), hit.start))


def _lower_bound(doc: Doc, ci: int, hit: DateHit) -> bool:
    """'not before X', 'until X', 'after X': X is the earliest time, not a plan."""
    sent = doc.sentences[doc.clauses[ci].sentence]
    # The words since the previous clause, including the linking word that opened this one.
    start = doc.clauses[ci - 1].end if ci > sent.first else sent.start
    window = doc.norm[max(start, hit.start - _LOWER_BOUND_REACH):hit.end]
    if _HAVE_UNTIL.search(window):
        return False
    if _LOWER_BOUND.search(window):
        return True
    return bool(NEGATOR.search(window)) and not NOT_A_NEGATION.search(window)


def _quote_span(clauses: _Clauses, ci: int, decision: bool) -> tuple[int, int]:
    """The date's clause, joined to a neighbouring clause that says what happens then when it doesn't."""
    if decision:
        return ci, ci
    doc = clauses.doc
    sent = doc.sentences[doc.clauses[ci].sentence]
    if ci + 1 < sent.stop and clauses.decision(ci + 1):
        return ci, ci + 1
    if ci - 1 >= sent.first and clauses.decision(ci - 1):
        return ci - 1, ci
    return ci, ci
