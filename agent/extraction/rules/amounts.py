"""Money amounts in chat text: "$25-30k a year", "€600/month", "1.500 € pro Monat", "R$ 2 mil por mês".

`find_amounts` returns every amount with its upper end, currency, period and per-seat flag; whether
an amount is a BUDGET is decided by budget.py from the words around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.extraction.rules.lexicon import FLAGS, NUMBER_WORD_RE, number_value

Period = Literal["year", "quarter", "month", "week", "day"]
PER_YEAR: dict[Period, float] = {"year": 1, "quarter": 4, "month": 12, "week": 52, "day": 365}

_CURRENCY: dict[str, str] = {
    "$": "USD", "us$": "USD", "usd": "USD", "u$s": "USD", "dollar": "USD", "dollars": "USD",
    "dólares": "USD", "dolares": "USD", "dólar": "USD", "dolar": "USD", "bucks": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
    "r$": "BRL", "brl": "BRL", "reais": "BRL", "real": "BRL",
    "mx$": "MXN", "mxn": "MXN", "pesos": "MXN",
    "a$": "AUD", "au$": "AUD", "aud": "AUD", "c$": "CAD", "ca$": "CAD", "cad": "CAD",
}
_PRE = r"(?P<pre>us\$|u\$s|r\$|mx\$|au\$|a\$|ca\$|c\$|usd|eur|gbp|brl|mxn|aud|cad|\$|€|£)"
_NUM = r"(?P<num>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)?)"
_MULT = (r"(?:(?P<k>[kK])|(?P<m>[mM]{1,2})|\s?(?P<mw>mil|thousand|grand|million|millones|mill[oó]n|"
         r"milh[õo]es|milh[ãa]o|mio|bn|billion|tausend))(?![^\W\d_])")
_POST = (r"(?P<post>dollars?|d[oó]lar(?:es)?|bucks|usd|us\$|eur|euros?|€|gbp|pounds?|quid|£|reais|real|brl|"
         r"r\$|pesos|mxn|aud|cad|\$)")
_TOKEN = re.compile(
    rf"(?<![\w.,$€£])(?:{_PRE}\s?)?{_NUM}(?:{_MULT})?(?:\s?{_POST}(?!\w))?(?![\d%])"
    rf"|(?<!\w)(?P<wnum>{NUMBER_WORD_RE})\s+(?P<wmult>hundred|thousand|grand|mil|k)(?!\w)"
    rf"(?:\s?{_POST.replace('?P<post>', '?P<wpost>')}(?!\w))?",
    FLAGS,
)
_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|to|and|or|a|y|e|o|até|ate|bis)\s*", FLAGS)
# Units that say a number counts people, time or things, not money.
_NOT_MONEY = re.compile(
    r"\s*(?:%|percent|people|persons|employees|staff|ppl|seats?|users?|licen[cs]es?|years?|months?|weeks?|"
    r"days?|hours?|hrs|minutes?|mins|events?|customers?|clients?|members?|devs?|engineers?|pms?|sdrs?|"
    r"apps?|products?|teams?|steps?|screens?|x\b|personas|pessoas|funcionarios|funcionários|empleados|"
    r"mitarbeitende|mitarbeiter)\b",
    FLAGS,
)
_PERIOD_WORDS: list[tuple[Period, str]] = [
    ("month", r"months?|mo|mos|mth|mnth|mes|mês|mes|monat|m"),
    ("year", r"years?|yr|yrs|y|annum|año|ano|jahr|a"),
    ("quarter", r"quarters?|qtr|q|trimestre|quartal"),
    ("week", r"weeks?|wk|semana|woche|w"),
    ("day", r"days?|d[ií]a|dia|tag"),
]
_PERIOD_ADJ: list[tuple[Period, str]] = [
    ("month", r"monthly|mensal|mensual|mensuales|mensais|monatlich|pcm|p/m"),
    ("year", r"yearly|annually|annual|p\.?\s?a\.?|anual|anuales|anuais|jährlich|j[äa]hrlich"),
    ("quarter", r"quarterly|trimestral"),
    ("week", r"weekly|semanal|wöchentlich"),
]
_SEAT = (r"seats?|users?|licen[cs]es?|heads?|editors?|members?|usuarios?|usuários?|asientos?|licencias?|licenças?|"
         r"nutzer|lizenzen?")


def _unit_regex() -> re.Pattern[str]:
    parts: list[str] = []
    for name, words in _PERIOD_WORDS:
        # "/m" and "/y" only after a slash; full words after "per", "a", "al", "pro", ...
        parts.append(rf"\s*/\s*(?P<slash_{name}>{words})(?!\w)")
        long_words = "|".join(w for w in words.split("|") if len(w) > 1)
        parts.append(rf"\s*(?:per|a|an|each|every|por|al|ao|pro|im|for\s+the|in\s+the|each)\s+"
                     rf"(?P<word_{name}>{long_words})(?!\w)")
    for name, words in _PERIOD_ADJ:
        parts.append(rf"\s*(?P<adj_{name}>{words})(?!\w)")
    parts.append(rf"\s*(?:/|per|a|an|each|por|pro)\s*(?P<seat>{_SEAT})(?!\w)")
    return re.compile("|".join(parts), FLAGS)


_UNIT = _unit_regex()
# A period stated further on in the clause ("£18,000 for a product analytics tool in this financial year").
_LATER_PERIOD: list[tuple[Period, re.Pattern[str]]] = [
    ("year", re.compile(r"\b(?:per|a|each|every|this|next|the|our|for\s+the)\s+(?:financial\s+|fiscal\s+|"
                        r"budget\s+|calendar\s+)?year\b|\bannual(?:ly)?\b|\bper annum\b|\bal año\b|\bpor año\b|"
                        r"\bao ano\b|\bpor ano\b|\bpro jahr\b|\bim jahr\b|\banual\b", FLAGS)),
    ("month", re.compile(r"\b(?:per|a|each|every)\s+month\b|\bmonthly\b|\bal mes\b|\bpor mes\b|\bpor mês\b|"
                         r"\bao mês\b|\bmensal(?:es)?\b|\bmensual(?:es)?\b|\bpro monat\b|\bim monat\b|"
                         r"\bmonatlich\b", FLAGS)),
    ("quarter", re.compile(r"\b(?:per|a|each|every)\s+quarter\b|\bquarterly\b|\bpor trimestre\b", FLAGS)),
]
_SEAT_COUNT = re.compile(rf"(?<![\w$€£.,])(\d{{1,6}})\s*(?:{_SEAT})(?!\w)|(?:for|x|×|\*|times|para|für)\s*"
                         rf"(\d{{1,6}})(?!\d)(?!\s*(?:%|k\b|mil\b))", FLAGS)
_CAP_BEFORE = re.compile(r"(?:under|below|less than|max(?:imum)?|at most|up to|no more than|not more than|"
                         r"not over|tops|hasta|m[aá]ximo|at[ée]|no m[aá]ximo|menos de|abaixo de|h[öo]chstens|"
                         r"bis zu|unter)\s*$", FLAGS)


@dataclass(frozen=True, slots=True)
class Amount:
    start: int
    end: int  # the end of the amount and its unit words
    value: float  # upper end of the stated amount, per `period` (per seat if `per_seat`)
    currency: str | None
    period: Period | None
    per_seat: bool
    bare: bool  # no currency and no multiplier: "around 800 a month"
    cap: bool  # "under $3,000", "up to 1k"
    is_range: bool = False  # "between $12k and $20k", "25-30k"

    def yearly(self, seats: int | None) -> float | None:
        """The amount per year; None when it is per seat and the seat count is unknown."""
        per_year = PER_YEAR[self.period] if self.period else 1.0
        if self.per_seat:
            return None if seats is None else self.value * per_year * seats
        return self.value * per_year


def parse_number(s: str) -> float:
    """'1,500' -> 1500, '1.500' -> 1500, '1.5' -> 1.5, '1.500,50' -> 1500.5, '2,5' -> 2.5, '10 000' -> 10000."""
    s = re.sub(r"[ \u00a0\u202f]", "", s)
    if "," in s and "." in s:
        dec = max(s.rfind(","), s.rfind("."))
        whole = re.sub(r"[.,]", "", s[:dec])
        return float(f"{whole}.{s[dec + 1:]}")
    for sep in ",.":
        if sep in s:
            parts = s.split(sep)
            if len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]):
                return float("".join(parts))
            return float(s.replace(sep, "."))
    return float(s)


def _multiplier(m: re.Match[str], iberian: bool) -> float | None:
    if m.group("k"):
        return 1e3
    if m.group("m"):
        return 1e6
    word = (m.group("mw") or m.group("wmult") or "").lower()
    if not word:
        return None
    if word == "mil":
        return 1e3 if iberian else 1e6
    return {"hundred": 1e2, "thousand": 1e3, "grand": 1e3, "tausend": 1e3, "k": 1e3,
            "bn": 1e9, "billion": 1e9}.get(word, 1e6)


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    value: float
    mult: float | None
    currency: str | None


def _token(m: re.Match[str], iberian: bool) -> _Tok | None:
    if m.group("wnum"):
        n = number_value(m.group("wnum"))
        if n is None:
            return None
        mult = _multiplier(m, iberian) or 1.0
        cur = m.group("wpost")
        return _Tok(m.start(), m.end(), n * mult, mult, _CURRENCY.get(cur.lower()) if cur else None)
    mult = _multiplier(m, iberian)
    value = parse_number(m.group("num")) * (mult or 1.0)
    cur = m.group("pre") or m.group("post")
    return _Tok(m.start(), m.end(), value, mult, _CURRENCY.get(cur.lower()) if cur else None)


def _units(norm: str, pos: int, limit: int) -> tuple[Period | None, bool, int]:
    """Period and per-seat words right after an amount ("/user/month", "a year", "al mes")."""
    period: Period | None = None
    seat = False
    for _ in range(3):
        m = _UNIT.match(norm, pos, limit)
        if not m:
            break
        name = m.lastgroup or ""
        if name == "seat":
            seat = True
        elif period is None:
            period = name.split("_", 1)[1]  # type: ignore[assignment]
        pos = m.end()
    return period, seat, pos


def find_amounts(norm: str, start: int, end: int, iberian: bool) -> list[Amount]:
    """Every money-like amount in norm[start:end]; ranges ("25-30k", "between X and Y") give the upper end."""
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(norm, start, end):
        if _NOT_MONEY.match(norm, m.end()) and not (m.group("pre") or m.group("post")):
            continue
        tok = _token(m, iberian)
        if tok is not None:
            toks.append(tok)
    out: list[Amount] = []
    i = 0
    while i < len(toks):
        group = [toks[i]]
        while i + 1 < len(toks) and _RANGE_JOIN.fullmatch(norm, group[-1].end, toks[i + 1].start):
            group.append(toks[i + 1])
            i += 1
        i += 1
        out.append(_amount(norm, group, end))
    return out


def _amount(norm: str, group: list[_Tok], limit: int) -> Amount:
    last = group[-1]
    # "25-30k": the multiplier of the upper end applies to a bare lower end too.
    values = [t.value * (last.mult or 1.0) if t.mult is None and last.mult else t.value for t in group]
    currency = next((t.currency for t in group if t.currency), None)
    period, seat, unit_end = _units(norm, last.end, limit)
    if period is None:
        clause_end = min(limit, unit_end + 80)
        period = next((p for p, pat in _LATER_PERIOD if pat.search(norm, unit_end, clause_end)), None)
    bare = currency is None and all(t.mult is None for t in group)
    cap = bool(_CAP_BEFORE.search(norm, max(0, group[0].start - 20), group[0].start)) or bool(
        re.match(r"\s*(?:max|maximum|tops|at most|m[aá]ximo|no m[aá]ximo)\b", norm[unit_end:unit_end + 15], FLAGS)
    )
    return Amount(group[0].start, unit_end, max(values), currency, period, seat, bare, cap, len(group) > 1)


def seat_count(norm: str, start: int, end: int, skip: tuple[int, int]) -> int | None:
    """A seat or user count in norm[start:end] ("for 40 seats", "x 25"), ignoring the amount itself."""
    return first_seat_count(seat_counts(norm, start, end), skip)


def seat_counts(norm: str, start: int, end: int) -> list[tuple[int, int]]:
    """(position, count) of every plausible seat count in norm[start:end], for `first_seat_count`:
    computed once per sentence, since a sentence can hold many amounts."""
    out: list[tuple[int, int]] = []
    for m in _SEAT_COUNT.finditer(norm, start, end):
        n = int(m.group(1) or m.group(2))
        if 0 < n < 100000:
            out.append((m.start(), n))
    return out


def first_seat_count(counts: list[tuple[int, int]], skip: tuple[int, int]) -> int | None:
    return next((n for pos, n in counts if not skip[0] <= pos < skip[1]), None)
