"""Phone numbers, normalised to E.164 with `phonenumbers`.

A run of digit groups is a phone when it carries a country code ("+44 20 7946 0321"), is laid out
like a North American number ("415-555-0187", "(646) 555-0142"), or sits after a phone word
("cell", "whatsapp", "tel", "celular"). Prices, dates, years, percentages and counts are never
laid out that way, and order/ticket numbers are refused by the words in front of them.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from agent.extraction.rules.spans import Found

# Digit groups joined by one separator each (no empty separator between two digit groups), so a
# long run of digits cannot be split many ways when the match backtracks.
_GROUP = r"(?:\(\d{1,5}\)|\d+)"
_SEP = r"(?:[ \t]*[.\-–][ \t]*|[ \t]+|(?<=\))|(?=\())"
_PHONE = re.compile(rf"(?<![\w$€£¥#@/.,+\-–])(?P<plus>\+|\b00)?[ \t]?{_GROUP}(?:{_SEP}{_GROUP}){{0,7}}")
_GROUPS = re.compile(r"\d+")
_POSITIVE = re.compile(
    r"(?:\b(?:phone|tel|telephone|cell|cellphone|mobile|mob|call|text|sms|whats\s?app|whats|wa|zap|ring|"
    r"number|contact|direct|office|m[óo]vil|celular|cel|tel[ée]fono|telefone|fone|contato|contacto|"
    r"ll[áa]mame|liga|ligar)\b|\b[mtpc]\s*[:.])[^\n\d]{0,25}$",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"(?:\b(?:order|invoice|ticket|ref|reference|account|acct|id|case|tracking|po|pedido|factura|nota|"
    r"cpf|cnpj|iban|card|serial|sku|transaction|confirmation|booking|policy|version|build)\b[^\n\d]{0,25}|#\s*)$",
    re.IGNORECASE,
)
# Phone words strong enough to override an order/account word before them ("account phone: ...").
_STRONG = re.compile(
    r"\b(?:phone|tel|telephone|cell|cellphone|mobile|whats\s?app|whats|m[óo]vil|celular|tel[ée]fono|telefone)\b",
    re.IGNORECASE,
)
# A partial fix right after a number: "312 555 0148, sorry, 0184 at the end", "ends in 0184".
_TAIL_FIX = re.compile(
    r"[^\d\n]{0,40}?\b(?:(?P<a>\d{2,5})\s+(?:at|on)\s+the\s+end|(?:it\s+)?ends?\s+(?:in|with)\s+(?P<b>\d{2,5})"
    r"|last\s+(?:\w+\s+)?digits?\s+(?:is|are|should\s+be)?\s*:?\s*(?P<c>\d{2,5}))\b",
    re.IGNORECASE,
)
# Group layouts of a North American number that need no phone word in front.
_NANP_LAYOUTS = {(3, 3, 4), (1, 3, 3, 4), (3, 7), (1, 3, 7)}
_CCTLD_REGION = {"uk": "GB"}


@lru_cache(maxsize=1024)
def _e164(number: str, region: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    if region is not None and region != "US" and not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _nanp(digits: str) -> str | None:
    """A US/Canada number without country code: area code and exchange start with 2-9."""
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return _e164(digits, "US")


def _international(raw: str) -> str | None:
    digits = "".join(_GROUPS.findall(raw))
    if raw.lstrip().startswith("00"):
        digits = digits[2:]
    if not 8 <= len(digits) <= 15:
        return None
    return _e164("+" + digits, None)


def _national(raw: str, context_ok: bool, region: str | None) -> str | None:
    groups = tuple(len(g) for g in _GROUPS.findall(raw))
    digits = "".join(_GROUPS.findall(raw))
    if groups in _NANP_LAYOUTS or (context_ok and len(digits) in (10, 11)):
        value = _nanp(digits)
        if value is not None:
            return value
    if context_ok and region is not None and 7 <= len(digits) <= 12:
        return _e164(digits, region)
    return None


def _glued_after(text: str, end: int) -> bool:
    """'30k', '25%', '12px': the digits belong to an amount or a unit, not a phone."""
    return end < len(text) and (text[end].isalpha() or text[end] in "%$€£")


def _tail_fix(text: str, end: int, e164: str) -> str | None:
    m = _TAIL_FIX.match(text, end, min(len(text), end + 80))
    if m is None:
        return None
    tail = m.group("a") or m.group("b") or m.group("c")
    if len(tail) >= len(e164) - 4:
        return None
    fixed = e164[: -len(tail)] + tail
    return _e164(fixed, None)


def region_hint(emails: list[str]) -> str | None:
    """A country to read national numbers in, from a country-code e-mail domain ('.co.uk' -> GB)."""
    for e in emails:
        tld = e.rsplit(".", 1)[-1]
        if len(tld) == 2 and tld.isalpha():
            return _CCTLD_REGION.get(tld, tld.upper())
    return None


def find_phones(text: str, region: str | None = None) -> list[Found]:
    """Phone numbers in order, E.164. `text` should have e-mail addresses blanked out."""
    found: list[Found] = []
    for m in _PHONE.finditer(text):
        raw = m.group(0)
        n_digits = sum(c.isdigit() for c in raw)
        if n_digits < 7 or _glued_after(text, m.end()):
            continue
        if not m.group("plus") and n_digits not in (10, 11) and region is None:
            continue  # without a country code only a North American number can be read
        before = text[max(0, m.start() - 40) : m.start()]
        context_ok = _POSITIVE.search(before) is not None
        negative = _NEGATIVE.search(before)
        if negative is not None and not _STRONG.search(before, negative.start()):
            continue
        value = _international(raw) if m.group("plus") else _national(raw, context_ok, region)
        if value is None:
            continue
        fixed = _tail_fix(text, m.end(), value)
        found.append(Found("phone", fixed or value, m.start(), m.end(), correction=fixed is not None))
    return found
