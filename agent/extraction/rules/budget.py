"""Budget evidence: stated amounts (per year, upper end) and vague budget talk ("tight", "depends on price").

An amount is a budget only when the words around it say so (a budget cue, a spending verb, an answer
to the agent's budget question); a price the visitor merely repeats ("$6k sounds like a lot") is not,
though rejecting a price says the budget is below it (weak, no amount). Whether an amount is enough
is the rubric's call (its minimum yearly budget), so we only report the number.
"""

from __future__ import annotations

import re

from agent.extraction.base import Evidence, Signal
from agent.extraction.rules.amounts import Amount, find_amounts, first_seat_count, seat_counts
from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.lexicon import FLAGS, IBERIAN, NEGATOR
from agent.extraction.rules.questions import Asked

_BUDGET_WORD = r"(?:budget(?:s|ed|-wise)?|presupuest\w*|or[çc]ament\w*|etat)"
# Words that make a nearby amount the visitor's budget (or current spend) rather than a quoted price.
_CUE = re.compile(
    rf"\b{_BUDGET_WORD}\b|\ballocat\w*|\bearmark\w*|\bset aside\b|\breserved\b|\bapproved\b|\bsigned off\b|"
    r"\bspend(?:ing)?\b|\bafford\w*|\binvest(?:ing|ment)?\b|\bpay(?:ing)?\b|\bcap\b|\bceiling\b|\bprice range\b|"
    r"\b(?:we|i)(?:'ve| have|'ve got| got| have got| can do| could do| can go| could go| don'?t have| dont have|"
    r" do not have)\s+(?:up to |about |around |"
    r"roughly |approximately |maybe |like |~)?(?=[$€£\d]|r\$|us)|"
    r"\b(?:gastar|pagar|invertir|investir|destinad\w*|asignad\w*|aprobad\w*|aprovad\w*|reservad\w*|"
    r"tenemos|temos|podemos|eingeplant|ausgeben|zahlen)\b|"
    r"\b(?:thinking|looking at|aiming for|targeting|ballpark|in the range of|range|willing to|comfortable with|"
    r"stretch to|can stretch|max(?:imum)?|limit|gave us|given us|give us)\b",
    FLAGS,
)
# "... is fine / works for us / fits": accepting an amount states the budget.
_ACCEPT_AFTER = re.compile(r"\W*(?:\w+\W+){0,2}?(?:is|would be|sounds|seems)?\s*(?:fine|ok|okay|doable|affordable|"
                           r"reasonable|manageable|within (?:our |my )?budget|works for us|fits|is our (?:limit|"
                           r"max|ceiling|cap))\b", FLAGS)
# "$6k sounds like a lot": a price above the budget.
_REJECT_AFTER = re.compile(
    r"\W*(?:\w+\W+){0,2}?(?:is|are|sounds|seems|feels|would be|looks)?\s*(?:like\s+)?(?:a lot|too (?:much|"
    r"expensive|high|"
    r"steep|pricey)|(?:way\s+)?over (?:our|my|the) budget|out of (?:our|my) (?:budget|range|league)|more than we "
    r"(?:can|could|have)|beyond (?:our|my) budget|muy caro|demasiado|caro demais|muito caro|zu teuer)",
    FLAGS,
)
_MORE_THAN = re.compile(r"\b(?:more than|over|above|exceed|beyond|más de|mais de|mehr als)\b", FLAGS)
# Vague budget statements, graded weak without an amount.
_VAGUE = re.compile(
    "|".join([
        rf"\b(?:tight|limited|small|low|modest|little|tiny|minimal|shoestring|restricted|constrained|some|any|"
        rf"no|zero|a bit of|a little|not much|much|enough|separate|dedicated|extra|new)\s+(?:\w+\s+)?{_BUDGET_WORD}\b",
        rf"\b{_BUDGET_WORD}(?:\s+(?:is|are|was|will be|isn't|is not)|'s)\s+(?:\w+\s+)?(?:tight|limited|small|low|"
        r"constrained|an issue|a concern|a problem|tbd|not set|not approved|pending|unclear|flexible|open|"
        r"approved|allocated|set|there|available|not there|not final|fixed)\b",
        rf"\b{_BUDGET_WORD}[- ]wise\b",
        r"\b(?:we'?re|we are|things are|money is|money's|cash is|funds are)\s+(?:\w+\s+)?tight\b",
        rf"\b(?:find|get|secure|request|ask for|fight for|free up|unlock|need)\s+(?:the\s+|a\s+|"
        rf"some\s+)?{_BUDGET_WORD}\b",
        r"\b(?:depends?|depending|dependent)\s+on\s+(?:\w+\s+){0,4}?(?:price|pricing|cost|costs|procurement|"
        r"finance|approval|approves|budget|quote|what (?:it|you) (?:costs?|charge))\b",
        r"\b(?:haven'?t|have not|hasn'?t|has not)\s+(?:been\s+)?(?:given|got|set|agreed|decided)\s+(?:on\s+)?"
        r"(?:a|any|the)?\s*(?:number|figure|amount|budget)\b",
        r"\bprice[- ]sensitive\b|\bcost[- ]conscious\b|\bbootstrapped\b|\bon a budget\b|"
        r"\b(?:cost|price|pricing)\s+(?:is|will be)\s+(?:a\s+)?(?:big\s+|major\s+|key\s+|real\s+)?(?:factor|concern|"
        r"issue|constraint)\b|\bout of (?:our )?reach\b|\bcan'?t afford\b",
        # Spanish / Portuguese / German
        r"\b(?:presupuesto|or[çc]amento)\s+(?:\w+\s+)?(?:ajustado|limitado|pequeño|bajo|apertado|curto|baixo|"
        r"pequeno|reducido|justo)\b",
        r"\b(?:poco|sin|no hay|no tenemos|pouco|sem|não temos|nao temos|não tem|algo de|algum)\s+"
        r"(?:presupuesto|or[çc]amento|grana|plata|dinero|dinheiro)\b",
        r"\bdepende (?:del|do|de)\s+(?:\w+\s+)?(?:precio|pre[çc]o|valor|costo|custo)\b",
        r"\b(?:knapp\w*|wenig|kein\w*|begrenzt\w*)\s+budget\b|\bhängt vom preis ab\b",
    ]),
    FLAGS,
)
# "The analytics budget is mine", "I own the budget": authority, not a budget statement.
_OWNERSHIP = re.compile(rf"{_BUDGET_WORD}\s+(?:is|'s)\s+(?:all\s+)?mine|\b(?:own|hold|control|manage|run)\s+"
                        rf"(?:the\s+|our\s+|my\s+)?(?:\w+\s+)?{_BUDGET_WORD}|{_BUDGET_WORD}\s+(?:holder|owner)|"
                        rf"{_BUDGET_WORD}\s+(?:sits|is)\s+with\s+me|presupuesto es m[ií]o|or[çc]amento [ée] meu", FLAGS)
# A short non-answer to the budget question ("not sure", "no idea yet").
_UNSURE = re.compile(
    r"\b(?:not sure|unsure|no idea|don'?t know|dunno|tbd|to be decided|not yet|haven'?t decided|undecided|"
    r"nothing (?:set|fixed|yet)|flexible|open|no sé|no lo sé|ni idea|todavía no|aún no|não sei|ainda não|"
    r"sei lá|weiß nicht|noch nicht)\b",
    FLAGS,
)
CORRECTION = re.compile(
    r"(?:^|[,.!]\s*|\b(?:sorry|oops|wait|oh)\W+)(?:actually|i mean|i meant)\b|\bcorrection\b|\bscratch that\b|"
    r"\bmake that\b|\bto correct\b|\ben realidad\b|\bmejor dicho\b|\bquise decir\b|\bna verdade\b|"
    r"\bquer dizer\b|\bali[aá]s\b|\beigentlich\b|\bsorry,? (?:it'?s|i meant|that should be|make that)",
    FLAGS,
)


def budget_evidence(doc: Doc, asked: Asked) -> list[Evidence]:
    iberian = bool(IBERIAN.search(doc.norm))
    found: list[Evidence] = []
    rejected: list[Evidence] = []
    used: set[int] = set()  # clauses that already gave budget evidence
    for si, sent in enumerate(doc.sentences):
        seats: list[tuple[int, int]] | None = None
        for amount in find_amounts(doc.norm, sent.start, sent.end, iberian):
            if seats is None:
                seats = seat_counts(doc.norm, sent.start, sent.end)
            ev = _from_amount(doc, si, amount, asked, seats)
            if ev is not None:
                (found if ev.yearly_amount is not None else rejected).append(ev)
                if (ci := doc.clause_at(amount.start)) is not None:
                    used.add(ci)
    # Stated amounts first; then vague talk and rejected prices in the order they were said.
    found.extend(sorted(_vague(doc, used) + rejected, key=lambda e: doc.norm.find(e.quote)))
    if not found and asked.budget:
        found.extend(_unsure_answer(doc))
    return found


def _is_budget_context(doc: Doc, si: int, amount: Amount, asked: Asked) -> bool:
    if si in doc.sentences_with(_CUE) or asked.budget or si in doc.sentences_with(CORRECTION):
        return True
    # A price is quoted as one figure; a range the visitor states of their own accord ("somewhere between
    # $12k and $20k a year") is what they are prepared to spend, whatever the agent asked before.
    if amount.is_range and amount.period is not None and not amount.per_seat:
        return True
    return bool(_ACCEPT_AFTER.match(doc.norm, amount.end))


def _from_amount(doc: Doc, si: int, amount: Amount, asked: Asked, seats: list[tuple[int, int]]) -> Evidence | None:
    if doc.is_blocked(amount.start, amount.end):
        return None
    ci = doc.clause_at(amount.start)
    rejected = bool(_REJECT_AFTER.match(doc.norm, amount.end))
    if ci is None or (amount.bare and amount.period is None):
        return None  # "40", "2026": not money without a currency, multiplier or period
    quote = doc.clause_quote(ci)
    correction = _corrects(doc, si, amount.start)
    if rejected:
        return Evidence(signal=Signal.budget, quote=quote, grade="weak", correction=correction)
    if doc.is_question(si) and si not in doc.sentences_with(_CUE):
        return None  # "is it $500 a month?" asks about a price
    if not _is_budget_context(doc, si, amount, asked):
        return None
    if _negated(doc, amount.start):
        return Evidence(signal=Signal.budget, quote=quote, grade="weak", correction=correction)
    yearly = amount.yearly(first_seat_count(seats, (amount.start, amount.end)))
    if yearly is None:  # per seat with no seat count: a budget, but of unknown size
        return Evidence(signal=Signal.budget, quote=quote, grade="weak", correction=correction)
    return Evidence(signal=Signal.budget, quote=quote, grade="strong", yearly_amount=round(yearly, 2),
                    currency=amount.currency, correction=correction)


_CAP_REACH = 300  # "more than" caps an amount from this close before it, in its clause


def _negated(doc: Doc, pos: int) -> bool:
    """'we don't have $20k' negates the amount; 'can't spend more than $300' caps it."""
    if not doc.negated_before(pos, words=5):
        return False
    ci = doc.clause_at(pos)
    start = doc.clauses[ci].start if ci is not None else max(0, pos - 40)
    return not _MORE_THAN.search(doc.norm, max(start, pos - _CAP_REACH), pos)


def _corrects(doc: Doc, si: int, pos: int) -> bool:
    return doc.match_between(CORRECTION, doc.sentences[si].start, pos)


def _vague(doc: Doc, used: set[int]) -> list[Evidence]:
    out: list[Evidence] = []
    owned = doc.clauses_with(_OWNERSHIP)
    for m in doc.find(_VAGUE):
        ci, si = doc.clause_at(m.start()), doc.sentence_at(m.start())
        if ci is None or si is None or ci in used or ci in owned:
            continue
        if doc.is_question(si) and not NEGATOR.search(m.group(0)):
            continue  # "is there a plan for a small budget?" asks rather than states
        used.add(ci)
        out.append(Evidence(signal=Signal.budget, quote=doc.clause_quote(ci), grade="weak",
                            correction=_corrects(doc, si, m.start())))
    return out


def _unsure_answer(doc: Doc) -> list[Evidence]:
    if len(doc.norm.split()) > 15:
        return []
    m = next(doc.find(_UNSURE), None)
    if m is None or (ci := doc.clause_at(m.start())) is None:
        return []
    return [Evidence(signal=Signal.budget, quote=doc.clause_quote(ci), grade="weak")]
