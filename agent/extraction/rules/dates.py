"""Time expressions resolved to days from `today`: "this quarter", "by end of January", "in Q2",
"before our January 15 release", "in 6 months", "ASAP", "el mes que viene", "até o fim do ano".

A period named with "in" resolves to its start (buying "in April" cannot be earlier than April 1);
"by"/"until"/"end of" to its end; a half-year or a whole year to its middle, since "next year" says
little about when. Uncertain phrases ("no rush") carry no days.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from agent.extraction.rules.lexicon import (
    AMBIGUOUS_MONTHS,
    FLAGS,
    MONTHS,
    NUMBER_WORD_RE,
    SEASONS,
    WEEKDAY_WORDS,
    WEEKDAYS,
    alt,
    number_value,
)

Kind = Literal["date", "urgent", "uncertain", "weekday", "fiscal"]
ASAP_DAYS = 7  # "ASAP" means within days; a small number keeps it inside any timing window


@dataclass(frozen=True, slots=True)
class DateHit:
    start: int
    end: int
    days: int | None  # None: no date can be read ("no rush", "next fiscal year")
    kind: Kind


# --- calendar arithmetic --------------------------------------------------------------------------
def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def _quarter_start(y: int, q: int) -> date:
    return date(y, 3 * (q - 1) + 1, 1)


def _quarter_end(y: int, q: int) -> date:
    return _month_end(y, 3 * q)


def _next_year_of_month(today: date, month: int, day: int | None) -> int:
    """The year of the next `month` (this month counts unless the given day has passed)."""
    if month > today.month or (month == today.month and (day is None or day >= today.day)):
        return today.year
    return today.year + 1


def _days(today: date, d: date) -> int:
    return max(0, (d - today).days)


# --- patterns ----------------------------------------------------------------------------------------
_UNIT = {
    "day": 1, "days": 1, "día": 1, "días": 1, "dia": 1, "dias": 1, "tag": 1, "tagen": 1, "tage": 1,
    "week": 7, "weeks": 7, "semana": 7, "semanas": 7, "woche": 7, "wochen": 7,
    "month": 30, "months": 30, "mes": 30, "meses": 30, "mês": 30, "monat": 30, "monaten": 30, "monate": 30,
    "quarter": 91, "quarters": 91, "trimestre": 91, "trimestres": 91,
    "year": 365, "years": 365, "año": 365, "años": 365, "ano": 365, "anos": 365, "jahr": 365, "jahren": 365,
}
def _period_word(group: str) -> str:
    return rf"(?P<{group}>week|month|quarter|year|semana|mes|mês|trimestre|año|ano|woche|monat|quartal|jahr)"


_PERIOD_EN = _period_word("unit")
_UNIT_RE = alt(re.escape(u) for u in _UNIT)
_MONTH_RE = alt(re.escape(m) for m in MONTHS)
_MOD = (r"(?P<mod>early|mid|middle of|late|end of|the end of|beginning of|start of|the beginning of|the start of|"
        r"the middle of|principios de|mediados de|finales de|fines de|fin de|final de|finais de|inicio de|"
        r"inicios de|comienzos de|início de|começo de|meados de|fim de|anfang|mitte|ende)")
_LATE_WORDS = ("end", "late", "final", "fin", "fim", "ende")


def _g(m: re.Match[str], name: str) -> str | None:
    """Group `name`, or its twin `name2` from an alternative spelling of the same expression."""
    for n in m.re.groupindex:
        if (n == name or (n.startswith(name) and n[len(name):].isdigit())) and m.group(n):
            return m.group(n)
    return None


def _period_of(word: str | None) -> str:
    w = (word or "").lower()
    w = {"m": "month", "q": "quarter", "y": "year"}.get(w, w)
    if w == "jahresende":
        return "year"
    for name, forms in (("week", "week semana woche"), ("month", "month mes mês monat monats"),
                        ("quarter", "quarter trimestre quartal quartals"), ("year", "year año ano jahr jahres")):
        if w in forms.split():
            return name
    return "year"


def _period_bounds(today: date, period: str, offset: int) -> tuple[date, date]:
    """Start and end of this (offset 0) or next (offset 1) week/month/quarter/year."""
    if period == "week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        return start, start + timedelta(days=6)
    if period == "month":
        start = _add_months(today.replace(day=1), offset)
        return start, _month_end(start.year, start.month)
    if period == "quarter":
        q0 = (today.month - 1) // 3 + offset
        y, q = today.year + q0 // 4, q0 % 4 + 1
        return _quarter_start(y, q), _quarter_end(y, q)
    return date(today.year + offset, 1, 1), date(today.year + offset, 12, 31)


def _this_period(m: re.Match[str], today: date) -> int | None:
    _, end = _period_bounds(today, _period_of(_g(m, "unit")), 0)
    return _days(today, end)


def _next_period(m: re.Match[str], today: date) -> int | None:
    period = _period_of(_g(m, "unit"))
    start, end = _period_bounds(today, period, 1)
    if period == "year":  # "next year" is vague: its middle
        return _days(today, start + (end - start) / 2)
    if period == "week":
        return 7
    return _days(today, start)


def _end_of_period(m: re.Match[str], today: date) -> int | None:
    offset = 1 if re.search(r"next|pr[oó]xim|que v|n[äa]chst", m.group(0), FLAGS) else 0
    _, end = _period_bounds(today, _period_of(_g(m, "unit") or m.group(0)), offset)
    return _days(today, end)


def _duration(m: re.Match[str], today: date) -> int | None:
    n = number_value(_g(m, "n") or "")
    unit = _UNIT.get((_g(m, "u") or "").lower())
    if n is None or unit is None:
        return None
    if unit >= 30 and n == int(n):  # months and years by the calendar: "in 3 months" from Nov 22 is Feb 22
        months = int(n) * {30: 1, 91: 3, 365: 12}[unit]
        later = _add_months(today.replace(day=1), months)
        return _days(today, later.replace(day=min(today.day, calendar.monthrange(later.year, later.month)[1])))
    return round(n * unit)


def _urgent(m: re.Match[str], today: date) -> int | None:
    word = m.group(0).lower().split()[-1]
    if word in ("today", "tonight", "hoy", "hoje", "heute"):
        return 0
    if word in ("tomorrow", "mañana", "amanhã", "morgen"):
        return 1
    return ASAP_DAYS


def _new_year(m: re.Match[str], today: date) -> int | None:
    return _days(today, date(today.year + 1, 1, 1))


def _quarter(m: re.Match[str], today: date) -> int | None:
    q = _quarter_number(m)
    year = _year_of(m.group("qyear"), today)
    if year is None:
        year = today.year if _quarter_end(today.year, q) >= today else today.year + 1
    mod = (m.group("qmod") or "").lower()
    if any(w in mod for w in _LATE_WORDS):
        return _days(today, _quarter_end(year, q))
    return _days(today, _quarter_start(year, q))


def _quarter_number(m: re.Match[str]) -> int:
    token = (m.group("q") or m.group("qw") or m.group("qes") or m.group("qde") or "").lower()
    if token.isdigit():
        return int(token)
    for n, words in enumerate(("first 1st primer primeiro 1er 1º 1o ersten", "second 2nd segundo 2do 2º 2o zweiten",
                               "third 3rd tercer terceiro 3er 3º 3o dritten", "fourth 4th last cuarto quarto 4to 4º 4o "
                               "vierten"), 1):
        if token in words.split():
            return n
    return 1


def _year_of(token: str | None, today: date) -> int | None:
    if not token:
        return None
    t = token.lower().strip("' ")
    if "next" in t or "próximo" in t or "proximo" in t or "que v" in t:
        return today.year + 1
    if "this" in t or "este" in t:
        return today.year
    if t.isdigit():
        return int(t) if len(t) == 4 else 2000 + int(t)
    return None


def _half(m: re.Match[str], today: date) -> int | None:
    h = 2 if (m.group("h") or m.group("hw") or "").lower() in ("2", "second", "2nd", "segundo") else 1
    year = _year_of(m.group("hyear"), today)
    if year is None:
        year = today.year if (h == 2 or today.month <= 6) else today.year + 1
    mid = date(year, 4, 1) if h == 1 else date(year, 10, 1)
    return _days(today, mid)


def _season(m: re.Match[str], today: date) -> int | None:
    month, day = SEASONS[m.group("season").lower()]
    start = date(today.year, month, day)
    in_season = start <= today < start + timedelta(days=91) or (
        month == 12 and date(today.year - 1, 12, day) <= today < date(today.year, 3, 20))
    if in_season and "next" not in (m.group("smod") or "").lower():
        return 0
    if start <= today:
        start = date(today.year + 1, month, day)
    mod = (m.group("smod") or "").lower()
    if mod in ("late", "end of", "the end of"):
        start += timedelta(days=60)
    elif mod in ("mid", "middle of"):
        start += timedelta(days=45)
    return _days(today, start)


_DEADLINE_BEFORE = re.compile(r"(?:by|until|till|til|no later than|hasta|até|ate|bis)\s+(?:the\s+|our\s+|el\s+|o\s+)?$",
                              FLAGS)


def _month(m: re.Match[str], today: date) -> int | None:
    month = MONTHS[(_g(m, "month") or "").lower().rstrip(".")]
    day_s, year_s = _g(m, "day"), _g(m, "year")
    day = int(day_s) if day_s else None
    year = int(year_s) if year_s else _next_year_of_month(today, month, day)
    last = calendar.monthrange(year, month)[1]
    mod = (m.group("mod") or "").lower()
    if day is not None:
        d = date(year, month, min(day, last))
    elif any(w in mod for w in _LATE_WORDS):
        d = date(year, month, last)
    elif mod.startswith(("mid", "middle", "mediados", "meados", "mitte")):
        d = date(year, month, 15)
    elif mod == "late":
        d = date(year, month, 25)
    elif _DEADLINE_BEFORE.search(m.string, max(0, m.start() - 25), m.start()):
        d = date(year, month, last)  # "by January": any day of January will do
    else:
        d = date(year, month, 1)
    return _days(today, max(d, today))


def _weekday(m: re.Match[str], today: date) -> int | None:
    target = WEEKDAYS[m.group("wd").lower()]
    ahead = (target - today.weekday()) % 7 or 7
    return ahead


def _iso(m: re.Match[str], today: date) -> int | None:
    try:
        d = date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    except ValueError:
        return None
    return (d - today).days if d >= today else None


def _year(m: re.Match[str], today: date) -> int | None:
    y = int(m.group("yr"))
    if y < today.year:
        return None
    if y == today.year:
        return _days(today, date(y, 12, 31))
    if m.group("prep").lower() in ("by", "before", "until", "bis", "antes de", "até"):
        return _days(today, date(y, 1, 1))
    return _days(today, date(y, 7, 1))


def _coming(m: re.Match[str], today: date) -> int | None:
    """'in the coming weeks' is about three weeks; 'the next few months' about three months."""
    return 21 if (_g(m, "u") or "").lower() in ("weeks", "semanas") else 91


def _holiday(m: re.Match[str], today: date) -> int | None:
    """Christmas: December 25 (this year's, or next year's once it has passed)."""
    d = date(today.year, 12, 25)
    return _days(today, d if d >= today else date(today.year + 1, 12, 25))


def _numeric(m: re.Match[str], today: date) -> int | None:
    """'by 1/15' or 'before 15/01': month/day unless the first number cannot be a month."""
    a, b = int(m.group("a")), int(m.group("b"))
    month, day = (b, a) if a > 12 else (a, b)
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(today.year, month)[1]):
        return None
    year = int(m.group("yy")) if m.group("yy") else _next_year_of_month(today, month, day)
    year += 2000 if year < 100 else 0
    return _days(today, date(year, month, day))


def _none(m: re.Match[str], today: date) -> int | None:
    return None


_Resolver = Callable[[re.Match[str], date], int | None]
_PATTERNS: list[tuple[Kind, re.Pattern[str], _Resolver]] = [
    ("uncertain", re.compile(
        r"\b(?:no rush|no hurry|not in a (?:rush|hurry)|no (?:fixed |set |specific |real |firm )?(?:timeline|"
        r"deadline|timeframe|time ?frame|date)|nothing (?:concrete|definite|firm|set|planned)|not sure when|"
        r"no idea when|don'?t know when|someday|some day|eventually|at some point|down the (?:road|line)|"
        r"for later|in the future|long[- ]term|not urgent|no urgency|"
        r"whenever|sin prisa|no hay prisa|sin apuro|sin urgencia|más adelante|mas adelante|algún día|"
        r"en el futuro|sem pressa|não tem pressa|nao tem pressa|sem urg[êe]ncia|mais pra frente|"
        r"mais para frente|algum dia|no futuro|keine eile|irgendwann|sp[äa]ter)\b", FLAGS), _none),
    ("urgent", re.compile(
        r"\b(?:asap|a\.s\.a\.p|as soon as possible|right away|immediately|urgent(?:ly)?|straight away|"
        r"lo antes posible|lo m[aá]s pronto posible|cuanto antes|de inmediato|inmediatamente|urgente|"
        r"ya mismo|o quanto antes|o mais r[aá]pido poss[ií]vel|o mais breve poss[ií]vel|imediatamente|"
        r"pra ontem|para ayer|so schnell wie m[öo]glich|sofort|schnellstm[öo]glich|umgehend)\b", FLAGS), _urgent),
    # ("Today" is left out: it mostly means "currently", as in "we're on Heap today".)
    ("date", re.compile(r"\b(?:by |until |before )?(?:tomorrow|mañana|amanhã)\b", FLAGS), _urgent),
    ("fiscal", re.compile(r"\bnext (?:fiscal|financial|budget) year\b|\bnext fy\b|\bpr[oó]ximo (?:año|ano|"
                          r"ejercicio|exerc[ií]cio) (?:fiscal|financeiro)\b|\bn[äa]chsten gesch[äa]ftsjahr\b",
                          FLAGS), _none),
    ("date", re.compile(rf"\b(?:(?:by|before|until)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|next\s+)?{_PERIOD_EN}\b"
                        rf"|\b{_period_word('unit2')}[- ]end\b|\beo(?P<unit4>[mqy])\b"
                        r"|\b(?:a\s+)?(?:fin(?:es|ales)?|final(?:es)?|fim)\s+d(?:e|el|o)\s+(?:este\s+|próximo\s+)?"
                        r"(?P<unit3>mes|año|ano|mês|trimestre)\b", FLAGS),
     _end_of_period),
    ("date", re.compile(r"\bende\s+(?:des|dieses|n[äa]chsten)\s+(?P<unit>monats|jahres|quartals)\b|\bjahresende\b",
                        FLAGS), _end_of_period),
    ("date", re.compile(rf"\b(?:this|the current|current|este|esta|neste|nesta|nessa|nesse|dieses|diesen|diesem|"
                        rf"diese)\s+{_PERIOD_EN}\b", FLAGS), _this_period),
    ("date", re.compile(rf"\b(?:next|the coming|the upcoming|coming|upcoming|el pr[oó]ximo|la pr[oó]xima|pr[oó]ximo|"
                        rf"pr[oó]xima|no pr[oó]ximo|na pr[oó]xima|n[äa]chste[nrs]?|im n[äa]chsten)\s+{_PERIOD_EN}\b"
                        rf"|\b(?:el\s+|la\s+|o\s+|a\s+)?{_period_word('unit2')}\s+(?:que viene|que vem|pr[oó]xim[oa]|"
                        rf"entrante)\b",
                        FLAGS), _next_period),
    ("date", re.compile(r"\b(?:in|over|during|within)\s+the\s+(?:next|coming)\s+(?:few\s+)?(?P<u>weeks|months)\b|"
                        r"\b(?:en|nas|nos|em)\s+(?:las|los|as|os)?\s*(?:pr[oó]xim[oa]s)\s+(?P<u2>semanas|"
                        r"meses)\b", FLAGS),
     _coming),
    ("date", re.compile(r"\b(?:the\s+)?new year\b|\ba[ñn]o nuevo\b|\bano novo\b|\bneujahr\b|\bafter the holidays\b",
                        FLAGS), _new_year),
    ("date", re.compile(
        rf"\b(?:in|within|over the next|in the next|the next|inside of|inside|dentro de|en|em|daqui a|"
        rf"nos pr[oó]ximos|nas pr[oó]ximas|en los pr[oó]ximos|en las pr[oó]ximas|in den n[äa]chsten|innerhalb von|"
        rf"binnen|in)\s+(?:about\s+|around\s+|roughly\s+|~)?(?:\d+\s*[-–]\s*)?(?P<n>\d+|{NUMBER_WORD_RE})\s*"
        rf"(?P<u>{_UNIT_RE})(?!\w)"
        rf"|\b(?P<n2>\d+|{NUMBER_WORD_RE})\s+(?P<u2>{_UNIT_RE})\s+(?:from now|out|from today)\b", FLAGS),
     _duration),
    ("date", re.compile(
        r"\b(?:(?P<qmod>end of|the end of|early|mid|late|beginning of|start of)\s+)?"
        r"(?:q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th|last)\s+quarter|"
        r"(?P<qes>primer|segundo|tercer|cuarto|primeiro|terceiro|quarto|1er|2do|3er|4to|1º|2º|3º|4º)\s+trimestre|"
        r"(?P<qde>ersten|zweiten|dritten|vierten)\s+quartal)"
        r"(?:\s*(?:of\s+|de\s+|del\s+|do\s+)?(?P<qyear>'\d{2}\b|20\d\d|next year|this year|del a[ñn]o que viene|"
        r"do ano que vem|del pr[oó]ximo a[ñn]o|do pr[oó]ximo ano))?\b", FLAGS),
     _quarter),
    ("date", re.compile(
        r"\b(?:h(?P<h>[12])|(?P<hw>first|second|1st|2nd|primer|segundo|primeiro)\s+(?:half|semestre))"
        r"(?:\s+(?:of\s+|de\s+|del\s+|do\s+)?(?P<hyear>next year|this year|20\d\d|el pr[oó]ximo a[ñn]o|"
        r"del a[ñn]o que viene|do pr[oó]ximo ano|do ano que vem))?\b", FLAGS), _half),
    ("date", re.compile(
        rf"(?:\b(?P<smod>early|late|mid|middle of|end of|the end of|this|next|in|by|until|before|durante|en|em|na|no|"
        rf"im|el|la|o|a|este|esta|neste|nesta|pr[oó]xim[oa])\s+(?:the\s+)?)(?P<season>{alt(SEASONS)})\b", FLAGS),
     _season),
    ("date", re.compile(
        rf"(?<!\w)(?:{_MOD}[\s-]+)?(?P<month>{_MONTH_RE})\.?(?:\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:]))?"
        rf"(?:,?\s+(?P<year>20\d\d))?(?!\w)"
        rf"|(?<!\w)(?P<day2>\d{{1,2}})(?:st|nd|rd|th|º|\.)?\s+(?:of\s+|de\s+)?(?P<month2>{_MONTH_RE})(?!\w)"
        rf"(?:\s+(?:de\s+|del\s+)?(?P<year2>20\d\d))?", FLAGS),
     _month),
    ("weekday", re.compile(rf"\b(?P<wd>{alt(WEEKDAY_WORDS)})(?!\w)(?!s\b)", FLAGS), _weekday),
    ("date", re.compile(r"\b(?P<y>20\d\d)-(?P<mo>\d\d)-(?P<d>\d\d)\b", FLAGS), _iso),
    ("date", re.compile(r"\b(?:christmas|xmas|navidad|natal|weihnachten)\b", FLAGS), _holiday),
    # Slashed dates only after a deadline word, so "2/3 of users" stays a fraction.
    ("date", re.compile(r"\b(?:by|before|on|until|till|due|antes del?|para el|até|bis)\s+(?P<a>\d{1,2})/(?P<b>\d{1,2})"
                        r"(?:/(?P<yy>\d{2}|20\d\d))?\b", FLAGS), _numeric),
    ("date", re.compile(r"\b(?P<prep>in|by|during|until|before|for|em|en|para|im|bis|durante|antes de|até)\s+"
                        r"(?P<yr>20\d\d)\b(?!-)", FLAGS), _year),
]


_MONTH_PREP = re.compile(r"(?:in|by|until|till|before|after|of|from|since|on|early|mid|late|end of|en|em|de|"
                         r"hasta|até|antes de|desde|im|bis|vor|ab)[\s-]+$", FLAGS)


def _plausible(kind: Kind, m: re.Match[str]) -> bool:
    """Reject everyday words that look like dates: "may" (modal), "mar", "a month"-less "sat"."""
    if kind != "date" or "month" not in m.re.groupindex:
        return True
    word = (_g(m, "month") or "").lower().rstrip(".")
    if word not in AMBIGUOUS_MONTHS:
        return True
    if _g(m, "day") or m.group("mod"):
        return True
    return bool(_MONTH_PREP.search(m.string, max(0, m.start() - 12), m.start()))


def find_dates(norm: str, today: date, start: int = 0, end: int | None = None) -> list[DateHit]:
    """Every time expression in norm[start:end], earliest first; overlapping ones keep the longest."""
    end = len(norm) if end is None else end
    hits: list[DateHit] = []
    for kind, pattern, resolve in _PATTERNS:
        for m in pattern.finditer(norm, start, end):
            if not _plausible(kind, m):
                continue
            hits.append(DateHit(m.start(), m.end(), resolve(m, today), kind))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[DateHit] = []
    for h in hits:
        if out and h.start < out[-1].end:
            continue
        out.append(h)
    return out
