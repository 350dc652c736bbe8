"""Job titles ("VP Product", "Director of Data & Insights", "Head of Growth", "CTO", "founder")."""

from __future__ import annotations

import re

from agent.extraction.rules.companies import take_company
from agent.extraction.rules.spans import Found, scan

_DEPT_WORD = (
    r"(?:product|data|engineering|marketing|sales|growth|operations|ops|finance|people|hr|it|analytics|"
    r"insights|digital|revenue|customer|success|support|strategy|design|research|partnerships|technology|"
    r"tech|security|platform|infrastructure|brand|content|communications|procurement|legal|innovation|"
    r"e-?commerce|performance|software|mobile|web|business|development|accounts?|experience|ux|ui|bi|"
    r"information|demand|generation|people|talent|payments|risk|compliance|partner|channel|field)"
)
_CAP = r"(?-i:[A-ZÀ-Þ][\w-]+)"
_DEPT_ITEM = rf"(?:{_DEPT_WORD}|{_CAP})"
_DEPT = rf"{_DEPT_ITEM}(?:\s+(?:&|and|y|e)\s+{_DEPT_ITEM}|\s+{_DEPT_ITEM}){{0,3}}"
_ROLE = (
    r"(?:director|manager|lead|head|engineer|analyst|officer|specialist|coordinator|consultant|architect|"
    r"scientist|designer|strategist|executive|administrator|partner|owner|developer|recruiter|marketer)"
)
_SENIORITY = (
    r"(?:(?:senior|sr\.?|junior|jr\.?|principal|staff|associate|assistant|deputy|interim|acting|global|"
    r"regional|group|general|managing|executive)\s+)"
)
TITLE = re.compile(
    rf"""{_SENIORITY}*
    (?: chief(?:\s+[a-z]+){{1,3}}\s+officer
      | (?-i:C[A-Z]{{1,3}}O)
      | (?:s|e|a)?vp(?:,?\s+(?:of\s+)?{_DEPT})?
      | vice[\s-]president(?:,?\s+(?:of\s+)?{_DEPT})?
      | head\s+of\s+{_DEPT}
      | (?:co-?)?founder(?:\s*(?:&|and|/)\s*(?:ceo|cto|coo))?
      | (?:{_DEPT_WORD}\s+){{1,3}}{_ROLE}
      | {_ROLE}(?:\s+(?:of|for)\s+{_DEPT})?
      | (?:director|directora|diretor|diretora|gerente|jef[ea]|coordinador|coordinadora|coordenador|
          coordenadora|responsable)(?:\s+(?:de|del|da|do)\s+{_DEPT})?
      | fundador|fundadora|cofundador|cofundadora|dueñ[oa]|s[óo]ci[oa]|propietari[oa]|propriet[áa]ri[oa]
      | gesch[äa]ftsf[üu]hrer(?:in)?|leiter(?:in)?|inhaber(?:in)?
      | president|owner|(?-i:PM|TPM)
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_SELF = re.compile(
    r"(?<![\w'’])(?:i['’]?m|i\s+am|as|sou|soy|eu\s+sou|work\s+as|trabajo\s+como|trabalho\s+como)\s+"
    r"(?:(?:the|a|an|o|a|el|la|um|uma|un|una)\s+)?",
    re.IGNORECASE,
)


# "I'm Zoë Müller, Head of Data at X": a title right after a self-introduction.
_AFTER_INTRO = re.compile(
    r"(?<![\w'’])(?:i['’]m|i\s+am|this\s+is|my\s+name\s+is|soy|sou|me\s+llamo|meu\s+nome\s+[ée])\s+"
    r"[^,.!?\n]{1,40},\s*(?:(?:the|a|an|o|el|la|um|uma|un|una)\s+)?"
    r"|(?<=\w)\s+here,\s*(?:(?:the|a|an)\s+)?",
    re.IGNORECASE,
)
_SELF_KEYS = ("i'm", "i’m", "im ", "i am", "as ", "sou", "soy", "work as", "trabajo como", "trabalho como")
_INTRO_KEYS = ("i'm", "i’m", "i am", "this is", "my name", "soy", "sou", "me llamo", "meu nome", " here,")
_OF_COMPANY = re.compile(r"[ \t]*(?:,[ \t]*|[ \t](?:at|@|of|for|with|en|na|no|em|da|do|de)[ \t]+)", re.IGNORECASE)


def title_at(text: str, pos: int) -> tuple[str, int] | None:
    m = TITLE.match(text, pos)
    return (m.group(0).strip(), m.end()) if m else None


def is_title_phrase(phrase: str) -> bool:
    phrase = phrase.strip()
    m = TITLE.match(phrase)
    return m is not None and m.end() == len(phrase)


def title_and_company(part: str) -> tuple[str, str | None] | None:
    """A whole piece that is a title, maybe with its company: 'CTO', 'CTO at Paystream', 'CTO, Paystream'."""
    got = title_at(part, 0)
    if got is None:
        return None
    title, end = got
    if end == len(part):
        return title, None
    m = _OF_COMPANY.match(part, end)
    company = take_company(part, m.end()) if m else None
    if company is None or company[1] != len(part.rstrip(".")):
        return None
    return title, company[0]


def _company_after(text: str, pos: int) -> Found | None:
    """'founder of X', 'CTO at X' (a comma would be too loose in running text)."""
    of = _OF_COMPANY.match(text, pos)
    if of is None or "," in of.group(0):
        return None
    got = take_company(text, of.end())
    return Found("company", got[0], of.end(), got[1], priority=50) if got else None


def find_titles(text: str) -> list[Found]:
    """Titles the visitor gives themselves ("I'm VP Product at X", "As CTO I ...", "sou o CTO"), and
    the company right after one ("I'm the founder of X", "Head of Growth at X")."""
    found: list[Found] = []
    low = text.lower()
    cues = [*scan(_SELF, text, low, _SELF_KEYS, before=3, after=20), *scan(_AFTER_INTRO, text, low, _INTRO_KEYS, 2, 80)]
    for m in cues:
        got = title_at(text, m.end())
        if got is None:
            continue
        found.append(Found("title", got[0], m.end(), got[1], priority=40))
        company = _company_after(text, got[1])
        if company is not None:
            found.append(company)
    return found
