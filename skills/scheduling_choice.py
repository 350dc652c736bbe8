"""Understand a visitor's answer to a slot offer: "the second one", "2", "#1", "tue 3pm",
"15:00 on the 25th", "la segunda", "a primeira", "el martes a las 3", "none of these work".

Two steps, both pure: `parse_answer()` reads what the message says (an option number, a day, a
time, a rejection), then `resolve()` matches that against the offered slots in the workspace
timezone. English plus Spanish and Portuguese basics; accents are folded before matching.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from skills.scheduling import Slot, local_wall

PartOfDay = Literal["morning", "afternoon", "evening"]

_WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "lunes": 0, "segunda-feira": 0, "segunda feira": 0,
    "tuesday": 1, "tue": 1, "tues": 1, "martes": 1, "terca-feira": 1, "terca feira": 1, "terca": 1,
    "wednesday": 2, "wed": 2, "miercoles": 2, "quarta-feira": 2, "quarta feira": 2, "quarta": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "jueves": 3, "quinta-feira": 3, "quinta feira": 3,
    "quinta": 3,
    "friday": 4, "fri": 4, "viernes": 4, "sexta-feira": 4, "sexta feira": 4, "sexta": 4,
    "saturday": 5, "sat": 5, "sabado": 5,
    "sunday": 6, "sun": 6, "domingo": 6,
}
_MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "enero": 1, "ene": 1, "janeiro": 1,
    "february": 2, "feb": 2, "febrero": 2, "fevereiro": 2, "fev": 2,
    "march": 3, "mar": 3, "marzo": 3, "marco": 3,
    "april": 4, "apr": 4, "abril": 4, "abr": 4,
    "may": 5, "mayo": 5, "maio": 5,
    "june": 6, "jun": 6, "junio": 6, "junho": 6,
    "july": 7, "jul": 7, "julio": 7, "julho": 7,
    "august": 8, "aug": 8, "agosto": 8, "ago": 8,
    "september": 9, "sep": 9, "sept": 9, "septiembre": 9, "setiembre": 9, "setembro": 9, "set": 9,
    "october": 10, "oct": 10, "octubre": 10, "outubro": 10, "out": 10,
    "november": 11, "nov": 11, "noviembre": 11, "novembro": 11,
    "december": 12, "dec": 12, "diciembre": 12, "dic": 12, "dezembro": 12, "dez": 12,
}
_ORDINALS: dict[str, int] = {
    "first": 1, "primer": 1, "primero": 1, "primera": 1, "primeiro": 1, "primeira": 1,
    "second": 2, "segundo": 2, "segunda": 2,
    "third": 3, "tercer": 3, "tercero": 3, "tercera": 3, "terceiro": 3, "terceira": 3,
    "last": -1, "ultimo": -1, "ultima": -1,
}
_BARE_NUMBER_WORDS = frozenset({"uno", "two", "dos", "dois", "duas", "three", "tres"})  # not "one": "that one"
_NUMBER_WORDS: dict[str, int] = {
    "one": 1, "uno": 1, "una": 1, "um": 1, "uma": 1,
    "two": 2, "dos": 2, "dois": 2, "duas": 2,
    "three": 3, "tres": 3,
}


def _alt(words: Sequence[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_MONTH_RE = _alt(list(_MONTHS))
_SUFFIX = r"(?:st|nd|rd|th)"
_DATE_DM = re.compile(rf"\b(\d{{1,2}}){_SUFFIX}?\s+(?:of\s+|de\s+)?({_MONTH_RE})\b\.?")
_DATE_MD = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}}){_SUFFIX}?\b")
# "on the 25th", "el dia 25" name a day; "the 2nd"/"el 2" may also mean an option (see resolve()).
_DATE_NUM = re.compile(
    rf"\b(on\s+the|on|el\s+dia|dia|o\s+dia|no\s+dia|the|el)\s+(\d{{1,2}})({_SUFFIX})?\b(?!\s*[:.h]\d)"
)
_NUMERIC_ORDINAL = re.compile(rf"\b([1-9]){_SUFFIX}\b|\b([1-9])[oa]\b")
_TIME_HM = re.compile(r"\b(\d{1,2})[:.h](\d{2})\b\s*(a\.?m\.?|p\.?m\.?)?")
_TIME_AMPM = re.compile(r"\b(\d{1,2})\s*(a\.?m\.?|p\.?m\.?)(?![a-z])")
_TIME_H = re.compile(r"\b(\d{1,2})\s*(?:h|hs|hrs|horas)\b")
# "at 3", "a las 3", "às 3" (folded to "as 3"); not "as 2 of us" or "about 3 users".
_TIME_AT = re.compile(
    r"(?:\bat|\baround|\babout|\ba\s+las|\ba\s+la|\blas|\bas|@)\s*(\d{1,2})\b(?![:./]\d)"
    r"(?!\s*(?:of|people|persons|users|seats|members|pessoas|personas|usuarios)\b)"
)
_NOON = re.compile(r"\b(?:noon|midday|mediodia|meio-dia|meio dia)\b")
_PM_HINT = re.compile(r"\b(?:de la tarde|da tarde|a tarde|in the afternoon|de la noche|da noite|in the evening)\b")
_AM_HINT = re.compile(r"\b(?:de la manana|da manha|in the morning)\b")
_WEEKDAY_RE = re.compile(rf"\b({_alt(list(_WEEKDAYS))})\b")
# Portuguese "segunda" is Monday after "na/nesta/próxima", but "the second" in "a segunda"/"la segunda".
_PT_MONDAY = re.compile(r"\b(?:na|nesta|proxima|esta|essa|de)\s+segunda\b")
_OPTION = re.compile(rf"(?:\boption|\bopcion|\bopcao|\bopt|\bslot|\bnumber|\bnumero|\bnum|\bno\.|#)\s*#?\s*"
                     rf"([1-9]|{_alt(list(_NUMBER_WORDS))})\b")
# An ordinal answers the offer when it stands alone or names an option: "the second (one)", "la
# primera, por favor", never "the first thing we need".
_ORDINAL_RE = re.compile(
    rf"\b({_alt(list(_ORDINALS))})\b(?=\s*(?:$|[^\w\s]|(?:one|option|opcion|opcao|slot|time|horario|hora|please|pls|"
    r"works?|is|sounds|seems|fits|for|thanks|thank|then|por|me|esta|e|de|da|do|una|uno|uma|um|i|and|y)\b))"
)
_TODAY = re.compile(r"\b(?:today|hoy|hoje)\b")
_DAY_AFTER = re.compile(r"\b(?:day after tomorrow|pasado manana|depois de amanha)\b")
_TOMORROW = re.compile(r"\b(?:tomorrow|amanha)\b|(?<!la )(?<!de )\bmanana\b(?! por la)")
_MORNING = re.compile(r"\b(?:morning|manha)\b|\b(?:la|por la|en la|pela|de)\s+manana\b")
_AFTERNOON = re.compile(r"\b(?:afternoon|pm|tarde)\b")
_EVENING = re.compile(r"\b(?:evening|noche|noite|tonight)\b")
_REJECT = re.compile(
    r"\b(?:none|neither|ninguno|ninguna|ningun|nenhum|nenhuma|nada)\b"
    r"|\b(?:other|another|different|otro|otra|otros|otras|outro|outra|outros|outras)\s+"
    r"(?:times?|days?|dates?|slots?|options?|horarios?|dias?|fechas?|horas?|datas?|momento)\b"
    r"|\b(?:can'?t|cannot|won'?t|doesn'?t|don'?t|not)\s+(?:make|work|do)\b"
    r"|\bno\s+(?:me\s+)?(?:va|sirve|sirven|viene|puedo)\b|\bnao\s+(?:da|serve|servem|posso|consigo)\b"
)
_DECLINE = re.compile(
    r"^\W*(?:no|nah|nope|no,?\s+thanks?|no thank you|not now|not yet|maybe later|later|no gracias|"
    r"ahora no|nao,?\s+obrigad[oa]|agora nao|not interested|no me interesa|nao tenho interesse)\W*$"
)
_POSITIVE = re.compile(
    r"\b(?:works?|working|fine|good|great|perfect|ok|okay|sure|yes|yeah|yep|book|take|pick|choose|prefer|"
    r"how about|what about|instead|better|let'?s|lets|go with|confirm|si|sim|claro|vale|bien|bueno|perfecto|"
    r"perfeito|funciona|me va|me sirve|pode ser|puede ser|serve|prefiero|prefiro|mejor|melhor|que tal|"
    r"reservar|agendar|marcar)\b"
)
# A yes-word opening a short message ("yes that's fine", "sure!", "sí, claro"): accepts, but which slot?
_AFFIRM = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|ok|okay|of course|absolutely|definitely|sounds good|that works|works for me|"
    r"alright|great|perfect|si|claro|dale|vale|perfecto|de acuerdo|sim|pode ser|beleza|com certeza|certo|ta bom)"
    r"(?=$|[\s,.!;:)])"
)
# Words that may surround a bare option number ("2 please", "let's do 2") without changing it.
_FILLER = frozenset({
    "please", "pls", "thanks", "thank", "you", "works", "work", "is", "good", "fine", "great", "perfect",
    "for", "me", "ok", "okay", "sure", "yes", "lets", "let's", "do", "go", "with", "the", "one", "that", "i",
    "i'll", "ill", "take", "pick", "choose", "prefer", "id", "i'd", "like", "would", "be", "option", "and",
    "por", "favor", "gracias", "obrigado", "obrigada", "perfecto", "perfeito", "vale", "la", "el", "a", "o",
    "va", "bien", "sirve", "quiero", "prefiero", "prefiro", "pode", "ser", "puede", "fica", "com", "eu",
    "opcion", "opcao", "numero", "number"
})


@dataclass
class Answer:
    """What a message says about a slot, before it is matched against the offer."""

    option: int | None = None  # 1-based, -1 for "the last one"
    option_form: Literal["explicit", "ordinal", "bare"] | None = None  # "option 2" / "the second" / "2"
    weekday: int | None = None
    on: date | None = None  # an explicit calendar day (from a date or today/tomorrow)
    day_of_month: int | None = None  # "the 25th" without a month: resolved against the offer
    hour: int | None = None
    minute: int = 0
    meridiem: Literal["am", "pm"] | None = None
    part_of_day: PartOfDay | None = None
    reject: bool = False
    decline: bool = False  # no demo at all ("no thanks")
    affirm: bool = False  # a bare "yes"
    asking: bool = False  # the message is a question ("Friday?"): check before booking
    positive: bool = False  # words that accept ("works", "let's do", "me va")
    numeric_ordinal: int | None = None  # "2nd": an option or a day of the month
    weekdays: set[int] = field(default_factory=set)

    @property
    def has_day(self) -> bool:
        return bool(self.weekdays) or self.on is not None or self.day_of_month is not None

    @property
    def has_time(self) -> bool:
        return self.hour is not None

    @property
    def says_anything(self) -> bool:
        return bool(self.option is not None or self.has_day or self.has_time or self.part_of_day
                    or self.reject or self.decline or self.affirm or self.numeric_ordinal is not None)


def normalise(text: str) -> str:
    """Lowercase and fold accents ("miércoles" -> "miercoles", "às" -> "as", "1ª" -> "1a")."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).replace("’", "'")


def _blank(text: str, m: re.Match[str]) -> str:
    # Consumed spans become spaces so a number is never read twice (the 15 of "15:00" is no option).
    return text[: m.start()] + " " * (m.end() - m.start()) + text[m.end():]


def _meridiem(raw: str | None) -> Literal["am", "pm"] | None:
    if not raw:
        return None
    return "am" if raw.startswith("a") else "pm"


def parse_answer(text: str, today: date) -> Answer:
    """Read option numbers, days, times and rejections from one message (`today` is local)."""
    t = normalise(text)
    a = Answer()
    a.decline = bool(_DECLINE.match(t))
    a.asking = t.rstrip().endswith("?")
    a.affirm = bool(_AFFIRM.match(t)) and len(t.split()) <= 6 and not a.asking

    # Calendar dates first: "24 nov", "nov 24th", "25 de noviembre".
    for rx, day_group, month_group in ((_DATE_DM, 1, 2), (_DATE_MD, 2, 1)):
        m = rx.search(t)
        if m and a.on is None:
            a.on = _date_from(today, int(m.group(day_group)), _MONTHS[m.group(month_group)])
            t = _blank(t, m)

    # Times with an unambiguous shape: "15:00", "3:30pm", "3pm", "15h".
    m = _TIME_HM.search(t)
    if m and int(m.group(1)) <= 23 and int(m.group(2)) <= 59:
        a.hour, a.minute, a.meridiem = int(m.group(1)), int(m.group(2)), _meridiem(m.group(3))
        t = _blank(t, m)
    else:
        m = _TIME_AMPM.search(t) or _TIME_H.search(t)
        if m and 0 <= int(m.group(1)) <= 23:
            a.hour = int(m.group(1))
            a.meridiem = _meridiem(m.group(2)) if m.re is _TIME_AMPM else None
            t = _blank(t, m)

    # "on the 25th", "el dia 25": a day of the month; "the 2nd", "el 2", "2nd": option or day.
    m = _DATE_NUM.search(t)
    if m and 1 <= int(m.group(2)) <= 31:
        if m.group(1) in ("the", "el"):
            a.numeric_ordinal = int(m.group(2))
        else:
            a.day_of_month = int(m.group(2))
        t = _blank(t, m)
    else:
        m = _NUMERIC_ORDINAL.search(t) or re.search(rf"\b(\d{{1,2}}){_SUFFIX}\b", t)
        if m and 1 <= int(m.group(1) or m.group(2)) <= 31:
            a.numeric_ordinal = int(m.group(1) or m.group(2))
            t = _blank(t, m)

    if a.hour is None:
        m = _TIME_AT.search(t)
        if m and int(m.group(1)) <= 23:
            a.hour = int(m.group(1))
            t = _blank(t, m)
        elif _NOON.search(t):
            a.hour, a.meridiem = 12, "pm"
    if a.hour is not None and a.meridiem is None:
        a.meridiem = "pm" if _PM_HINT.search(t) else "am" if _AM_HINT.search(t) else None

    if _PT_MONDAY.search(t):
        a.weekdays.add(0)
        t = _PT_MONDAY.sub(" ", t)
    for m in _WEEKDAY_RE.finditer(t):
        a.weekdays.add(_WEEKDAYS[m.group(1)])
    t = _WEEKDAY_RE.sub(" ", t)
    if len(a.weekdays) == 1:
        a.weekday = next(iter(a.weekdays))

    if a.on is None:
        if _DAY_AFTER.search(t):
            a.on = today + timedelta(days=2)
        elif _TOMORROW.search(t):
            a.on = today + timedelta(days=1)
        elif _TODAY.search(t):
            a.on = today

    if _EVENING.search(t):
        a.part_of_day = "evening"
    elif _AFTERNOON.search(t) or (a.hour is None and _PM_HINT.search(t)):
        a.part_of_day = "afternoon"
    elif _MORNING.search(t):
        a.part_of_day = "morning"

    m = _OPTION.search(t)
    if m:
        raw = m.group(1)
        a.option, a.option_form = (int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]), "explicit"
    elif (m := _ORDINAL_RE.search(t)) and len(text.split()) <= 10:  # not "the first thing we need is ..."
        a.option, a.option_form = _ORDINALS[m.group(1)], "ordinal"
    elif (n := _bare_number(t)) is not None:
        a.option, a.option_form = n, "bare"

    a.reject = bool(_REJECT.search(t))
    a.positive = bool(_POSITIVE.search(t))
    return a


def _bare_number(t: str) -> int | None:
    """'2', '2 please', 'let's do 2', 'two': a number is an option only when nothing else is said."""
    tokens = re.findall(r"[a-z0-9']+", t)
    numbers = [tok for tok in tokens if (tok.isdigit() and len(tok) == 1) or tok in _BARE_NUMBER_WORDS]
    rest = [tok for tok in tokens if tok not in numbers and tok not in _FILLER]
    if len(numbers) != 1 or rest:
        return None
    tok = numbers[0]
    value = int(tok) if tok.isdigit() else _NUMBER_WORDS[tok]
    return value if value >= 1 else None


def _date_from(today: date, day: int, month: int) -> date | None:
    """The next date with this day and month (this year, or next year once it has passed)."""
    for year in (today.year, today.year + 1):
        if day <= calendar.monthrange(year, month)[1]:
            d = date(year, month, day)
            if d >= today:
                return d
    return None


# --- matching against the offer ------------------------------------------------------------------
@dataclass(frozen=True)
class Picked:
    index: int  # 0-based position in the offer


@dataclass(frozen=True)
class Ambiguous:
    indices: tuple[int, ...]  # offered slots that fit; empty when nothing fits and no time is named


@dataclass(frozen=True)
class Proposed:
    start: datetime  # aware, in the workspace timezone: a day and time that was not offered


@dataclass(frozen=True)
class DayRequested:
    on: date  # a day (no time) with no offered slot on it


@dataclass(frozen=True)
class Rejected:
    pass


@dataclass(frozen=True)
class Declined:
    pass


@dataclass(frozen=True)
class NoAnswer:
    pass


Resolution = Picked | Ambiguous | Proposed | DayRequested | Rejected | Declined | NoAnswer


def resolve(answer: Answer, offered: Sequence[Slot], tz: ZoneInfo, now: datetime, *, strict: bool) -> Resolution:
    """Match an answer to the offered slots. `strict` (the visitor is not replying to the offer
    right now) needs "option N", a standalone ordinal, or a day/time together with accepting words,
    so a passing "2", "we launch on Monday" or "no thanks" (to another question) books nothing."""
    today = now.astimezone(tz).date()
    # Ordinals stay: their pattern only accepts them standing alone ("the second one", "la segunda").
    if strict and answer.option_form not in ("explicit", "ordinal") and not (
        (answer.has_day or answer.has_time or answer.numeric_ordinal is not None) and answer.positive
    ):
        return NoAnswer()
    if answer.decline:
        return Declined()
    local = [s.start.astimezone(tz) for s in offered]

    option = answer.option
    n = answer.numeric_ordinal
    if n is not None:
        as_day = [i for i, dt in enumerate(local) if dt.day == n]
        if n > len(offered) or answer.has_day or answer.has_time:
            answer.day_of_month = n  # "the 25th", "Tue the 1st at 3pm"
        elif not as_day or as_day == [n - 1]:
            option = n
        else:  # "the 2nd" when option 2 and a slot on the 2nd differ
            return Ambiguous(tuple(sorted({n - 1, *as_day})))
    if option is not None and not (answer.has_day or answer.has_time):
        idx = len(offered) - 1 if option == -1 else option - 1
        return Picked(idx) if 0 <= idx < len(offered) else Ambiguous(())

    if answer.reject and not (answer.positive and (answer.has_day or answer.has_time)):
        return Rejected()

    constrained = answer.has_day or answer.has_time or answer.part_of_day is not None
    if not constrained:
        if answer.affirm and len(offered) == 1:
            return Picked(0)
        if answer.affirm:
            return Ambiguous(tuple(range(len(offered))))
        return NoAnswer()

    hits = [i for i, dt in enumerate(local) if _fits(answer, dt)]
    if len(hits) == 1:
        # "Friday?" asks rather than accepts: confirm first ("Wednesday works" books at once).
        return Ambiguous((hits[0],)) if answer.asking and not answer.positive else Picked(hits[0])
    if hits:
        return Ambiguous(tuple(hits))
    day = _day_of(answer, today)
    if day is not None and answer.has_time:
        start = _proposed_start(answer, day, tz)
        return Proposed(start) if start is not None else Ambiguous(())
    if day is not None:
        return DayRequested(day)
    return Ambiguous(())


def _hours(answer: Answer) -> set[int]:
    h = answer.hour
    if h is None:
        return set()
    if answer.meridiem == "pm" and h < 12:
        return {h + 12}
    if answer.meridiem == "am":
        return {0 if h == 12 else h}
    return {h, h + 12} if 1 <= h <= 11 else {h}


def _fits(answer: Answer, dt: datetime) -> bool:
    if answer.weekdays and dt.weekday() not in answer.weekdays:  # "Monday or Tuesday" keeps both
        return False
    if answer.on is not None and dt.date() != answer.on:
        return False
    if answer.day_of_month is not None and dt.day != answer.day_of_month:
        return False
    if answer.has_time and (dt.hour not in _hours(answer) or dt.minute != answer.minute):
        return False
    if answer.part_of_day == "morning" and dt.hour >= 12:
        return False
    if answer.part_of_day == "afternoon" and not 12 <= dt.hour < 18:
        return False
    return not (answer.part_of_day == "evening" and dt.hour < 17)


def _day_of(answer: Answer, today: date) -> date | None:
    """The calendar day an answer names, when it names exactly one."""
    if answer.on is not None:
        ok = answer.weekday is None or answer.on.weekday() == answer.weekday
        return answer.on if ok else None
    if answer.day_of_month is not None:
        n = answer.day_of_month
        year, month = today.year, today.month
        for _ in range(2):  # this month, else next month
            if n <= calendar.monthrange(year, month)[1] and date(year, month, n) >= today:
                d = date(year, month, n)
                return d if answer.weekday is None or d.weekday() == answer.weekday else None
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None
    if answer.weekday is not None:
        # "Tuesday" said on a Tuesday means next week's: today would be "today".
        return today + timedelta(days=(answer.weekday - today.weekday()) % 7 or 7)
    return None


def _proposed_start(answer: Answer, day: date, tz: ZoneInfo) -> datetime | None:
    hours = _hours(answer)
    if len(hours) > 1:
        # "at 3" with no am/pm: business hours decide (1-7 is afternoon, 8-11 morning).
        h = answer.hour or 0
        hours = {h + 12} if 1 <= h <= 7 else {h}
    (hour,) = hours
    return local_wall(day, time(hour, answer.minute), tz)
