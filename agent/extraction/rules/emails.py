"""E-mail addresses: plain ones and spoken/obfuscated ones ("jane at acme dot io",
"carla punto mendez arroba modaviva punto mx", "ella (at) ridgewaycare (dot) com")."""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from agent.extraction.rules.contact_words import GENERIC_TLDS, STOPWORDS
from agent.extraction.rules.spans import Found, scan

_PLAIN = re.compile(r"(?<![\w.+@-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# One word of an address; separators below are disjoint from it, so matching stays linear.
_W = r"[^\W_][\w+-]*"
_DOT_SPOKEN = r"(?:\s*[\[({<]\s*(?:dot|punto|ponto|point)\s*[\])}>]\s*|\s+(?:dot|punto|ponto)\s+)"
_DOT = rf"(?:{_DOT_SPOKEN}|\.)"
_UNDERSCORE = r"\s+(?:underscore|guion\s+bajo|underline)\s+"
_DASH = r"\s+(?:dash|hyphen|gui[oó]n|h[ií]fen)\s+"
_LSEP = rf"(?:{_DOT}|{_UNDERSCORE}|{_DASH})"
_AT_MARKED = r"(?:\s*[\[({<]\s*(?:at|arroba|@)\s*[\])}>]\s*|\s+arroba\s+|\s*@\s*)"
_AT_BARE = r"\s+at\s+"
_OBFUSCATED = re.compile(
    rf"(?<![\w.@'’/-])(?P<local>{_W}(?:{_LSEP}{_W}){{0,4}})"
    rf"(?:(?P<marked>{_AT_MARKED})|(?P<bare>{_AT_BARE}))"
    rf"(?P<domain>{_W}(?:{_DOT}{_W}){{1,4}})(?![\w@-])",
    re.IGNORECASE,
)
# Where an address can be: "@", "arroba", "(at)", or a bare "at" before "word." / "word dot".
_ANCHOR = re.compile(
    r"@|arroba|[\[({<]\s*at\s*[\])}>]|\bat\s+[^\W_][\w+-]*(?:\.[^\W_]|\s*[\[({<]?\s*(?:dot|punto|ponto|point)\b)",
    re.IGNORECASE,
)
_ANCHOR_KEYS = ("@", "arroba", " at ", "at)", "at]", "at}", "at>", "\nat ", "\tat ")
_BEFORE, _AFTER = 100, 200  # the local part and the domain fit in these many characters around it
_SPOKEN_DOT_RE = re.compile(_DOT_SPOKEN, re.IGNORECASE)
_UNDERSCORE_RE = re.compile(_UNDERSCORE, re.IGNORECASE)
_DASH_RE = re.compile(_DASH, re.IGNORECASE)
# "email", "correo", "mail:" shortly before a bare "x at y.com" make it an address, not a sentence.
# Words that stand before "at" in ordinary sentences ("I work at acme dot com" is no address).
_NOT_LOCAL: frozenset[str] = frozenset(
    re.findall(
        r"\S+",
        "work works worked working be is are am was were live lives living based located stay staying "
        "meet meeting met find look looking see visit check start started arrive arrived",
    )
)
_EMAIL_CUE = re.compile(r"(?:e-?mail|correo|mail|contact|reach)\W{0,3}(?:\w+\W+){0,3}$", re.IGNORECASE)


@lru_cache(maxsize=2048)
def normalise_email(candidate: str) -> str | None:
    """The address lowercased if it is syntactically valid (no DNS lookups), else None."""
    try:
        info = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return None
    return info.normalized.lower()


def _plausible_tld(domain: str) -> bool:
    tld = domain.rsplit(".", 1)[-1].lower()
    return tld.isalpha() and (len(tld) == 2 or tld in GENERIC_TLDS)


def _join(part: str) -> str:
    part = _SPOKEN_DOT_RE.sub(".", part)
    part = _UNDERSCORE_RE.sub("_", part)
    return _DASH_RE.sub("-", part).strip()


def _bare_at_ok(text: str, m: re.Match[str], local: str) -> bool:
    """'x at y' is English too ("find us at acme.com"): demand signs that it is an address."""
    last_word = re.split(r"[._-]", local)[-1].lower()
    if last_word in STOPWORDS or last_word in _NOT_LOCAL or local.lower() in STOPWORDS:
        return False
    if _SPOKEN_DOT_RE.search(m.group("domain")):
        return True
    if any(c in local for c in "._") or any(c.isdigit() for c in local):
        return True
    return bool(_EMAIL_CUE.search(text[max(0, m.start() - 40) : m.start()]))


def _windows(text: str) -> list[tuple[int, int]]:
    """Merged stretches around each anchor, so the address pattern never scans plain prose."""
    spans: list[tuple[int, int]] = []
    for a in scan(_ANCHOR, text, text.lower(), _ANCHOR_KEYS, before=2, after=80):
        lo, hi = max(0, a.start() - _BEFORE), min(len(text), a.end() + _AFTER)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


def _obfuscated(text: str) -> list[Found]:
    found: list[Found] = []
    for lo, hi in _windows(text):
        found += _obfuscated_in(text, lo, hi)
    return found


def _obfuscated_in(text: str, lo: int, hi: int) -> list[Found]:
    found: list[Found] = []
    pos = lo
    while (m := _OBFUSCATED.search(text, pos, hi)) is not None:
        local, domain = _join(m.group("local")), _join(m.group("domain"))
        ok = _plausible_tld(domain) and (m.group("marked") is not None or _bare_at_ok(text, m, local))
        value = normalise_email(f"{local}@{domain}") if ok else None
        if value is None:
            pos = m.start("domain")  # its domain may be the next local part: "me at jane dot doe at gmail dot com"
            continue
        found.append(Found("email", value, m.start(), m.end()))
        pos = m.end()
    return found


def find_emails(text: str) -> list[Found]:
    """Every address in the text, in order, each lowercased and validated."""
    found: list[Found] = []
    for m in _PLAIN.finditer(text) if "@" in text else ():
        raw = m.group(0).strip(".-")
        value = normalise_email(raw)
        if value is not None and value.rsplit(".", 1)[-1].isalpha():
            found.append(Found("email", value, m.start(), m.start() + len(raw)))
    for f in _obfuscated(text):
        if not any(f.start < g.end and g.start < f.end for g in found):
            found.append(f)
    found.sort(key=lambda f: f.start)
    return found
