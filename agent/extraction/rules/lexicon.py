"""Shared vocabulary for the rule backend (English, Spanish, Portuguese, a little German).

Only words that several rule modules need live here: calendar names, number words, negators.
Each module keeps the cue lexicon for its own concept beside its rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Every pattern in the backend is compiled with these and matched against LOWERCASED text (Doc.norm):
# IGNORECASE makes Python's regex engine several times slower, so patterns are written in lower case.
FLAGS = re.UNICODE


def alt(words: Iterable[str]) -> str:
    """A regex alternation, longest first so "mid-December" wins over "mid". Words may hold regex."""
    return "(?:" + "|".join(sorted(set(words), key=len, reverse=True)) + ")"


def compile_words(words: Iterable[str]) -> re.Pattern[str]:
    """Whole-word (or whole-phrase) alternation; phrases may contain regex fragments."""
    return re.compile(r"(?<!\w)" + alt(words) + r"(?!\w)", FLAGS)


# --- calendar ------------------------------------------------------------------------------------
MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    [
        "january jan januar enero janeiro jänner",
        "february feb februar febrero fevereiro",
        "march mar. märz marzo março",
        "april apr abril",
        "may mai mayo maio",
        "june jun juni junio junho",
        "july jul juli julio julho",
        "august aug agosto",
        "september sept sep septiembre setembro setiembre",
        "october oct oktober octubre outubro",
        "november nov noviembre novembro",
        "december dec dezember diciembre dezembro",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name.rstrip(".")] = _n
# Short forms that are also everyday words ("may", "mar" = sea) need a date-like neighbour.
AMBIGUOUS_MONTHS = frozenset({"may", "mar", "mai", "jun", "jul"})

WEEKDAYS: dict[str, int] = {}
for _n, _names in enumerate(
    [
        "monday mon lunes segunda segunda-feira montag",
        "tuesday tue tues martes terça terça-feira terca dienstag",
        "wednesday wed miércoles miercoles quarta quarta-feira mittwoch",
        "thursday thu thurs jueves quinta quinta-feira donnerstag",
        "friday fri viernes sexta sexta-feira freitag",
        "saturday sat sábado sabado samstag",
        "sunday sun domingo sonntag",
    ]
):
    for _name in _names.split():
        WEEKDAYS[_name] = _n
# Abbreviations too short to trust on their own.
WEEKDAY_WORDS = [w for w in WEEKDAYS if len(w) > 4]

# Northern-hemisphere season starts (month, day): the default for an unqualified season.
SEASONS: dict[str, tuple[int, int]] = {}
for _start, _names in [
    ((3, 20), "spring primavera frühling frühjahr"),
    ((6, 21), "summer verano verão verao sommer"),
    ((9, 22), "fall autumn otoño otono outono herbst"),
    ((12, 21), "winter invierno inverno"),
]:
    for _name in _names.split():
        SEASONS[_name] = _start

# --- numbers -------------------------------------------------------------------------------------
NUMBER_WORDS: dict[str, float] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100,
    "a couple": 2, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 4,
    "un": 1, "una": 1, "uno": 1, "um": 1, "uma": 1, "dos": 2, "dois": 2, "duas": 2, "tres": 3,
    "três": 3, "cuatro": 4, "quatro": 4, "cinco": 5, "seis": 6, "siete": 7, "sete": 7, "ocho": 8,
    "oito": 8, "nueve": 9, "nove": 9, "diez": 10, "dez": 10, "doce": 12, "doze": 12, "veinte": 20,
    "vinte": 20, "treinta": 30, "trinta": 30, "cincuenta": 50, "cinquenta": 50,
    "unos pocos": 3, "algunos": 3, "alguns": 3, "poucos": 3,
    "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "zehn": 10, "ein": 1, "einen": 1, "einem": 1,
}
NUMBER_WORD_RE = alt(re.escape(w) for w in NUMBER_WORDS)


def number_value(token: str) -> float | None:
    """A digit string or a number word ("3", "two", "a few") as a number."""
    t = token.strip().lower()
    if t.isdigit():
        return float(t)
    return NUMBER_WORDS.get(t)


# --- negation ------------------------------------------------------------------------------------
# Negators whose scope we check a few words ahead (English contractions with or without apostrophe).
NEGATOR = re.compile(
    r"(?<!\w)(?:not|no|never|none|nobody|neither|nor|without|n't|dont|doesnt|didnt|cant|wont|"
    r"isnt|arent|havent|hasnt|wouldnt|couldnt|shouldnt|aint|nothing|"
    r"não|nao|nunca|nem|nenhum|nenhuma|ninguém|sin|ni|ningún|ninguna|nadie|"
    r"kein|keine|keinen|nicht|niemals)(?!\w)|n't(?!\w)",
    FLAGS,
)
# Phrases that contain a negator but state a deadline or a cap, not a negation.
NOT_A_NEGATION = re.compile(r"no later than|not later than|no more than|not more than|no less than|"
                            r"not exceed|no later|nothing more than", FLAGS)

FIRST_PERSON = re.compile(r"(?<!\w)(?:i|i'm|im|i've|ive|i'll|ill|i'd|me|my|myself|mine|"
                          r"yo|mi|mí|me|eu|meu|minha|mim|ich|mein|meine|mir)(?!\w)", FLAGS)

# A message that reads as Spanish or Portuguese: "mil" then means thousand, not million.
IBERIAN = re.compile(
    r"(?<!\w)(?:que|de|para|por|nosotros|nós|nosso|nossa|nuestro|nuestra|tenemos|temos|somos|"
    r"mes|mês|al|ao|dólares|dolares|reais|pesos|euros|unos|umas|uns|mais|más|mas|não|também|"
    r"también|está|estamos|gracias|obrigad[oa])(?!\w)",
    FLAGS,
)

# Past events ("we rebuilt it in September", "two weeks ago") are not plans.
PAST = re.compile(
    r"\b(?:ago|last (?:week|month|year|quarter|time|spring|summer|fall|autumn|winter)|since|back in|earlier this|"
    r"previously|used to|hace|há|desde|seit|letzte[nmr]?|pasad[oa]|passad[oa])\b"
    r"|\b(?:we|i|they|he|she|who)\s+(?:\w+ly\s+)?(?:was|were|did|went|had|rebuilt|built|began|got|made|"
    r"lost|saw|took|bought|chose|\w{3,}ed)\b",
    FLAGS,
)
