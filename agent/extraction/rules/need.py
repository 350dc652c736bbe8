"""Need evidence: a problem product analytics solves (funnels, retention, dashboards, event tracking).

strong: a problem cue and a product-analytics subject in the same clause (or two neighbouring
        clauses): "nobody can tell which step is losing people", "our dashboards take days to build
        by hand", or a metric that fell ("activation went from 38% to 29%").
weak:   vague interest ("just exploring tools", "curious how you compare"), or wanting something
        analytics-shaped without a problem ("want some nice dashboards").
Among strong candidates the most specific (numbers, several cues) comes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.extraction.base import Evidence, Signal
from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.lexicon import FLAGS
from agent.extraction.rules.questions import Asked

_DOMAIN = re.compile(
    r"\b(?:funnels?|conversions?|convert\w*|drop[- ]?offs?|onboarding|activation|activate\w*|sign[- ]?ups?|"
    r"registrations?|checkout|carts?|retention|retain\w*|churn\w*|cohorts?|engagement|engaged|usage|adoption|"
    r"features?|users?|customers?|visitors?|accounts?|dashboards?|reports?|reporting|charts?|metrics?|kpis?|"
    r"events?|tracking|analytics|insights?|attribut\w+|journeys?|steps?|sessions?|clicks?|apps?|product|"
    r"push notifications?|notifications?|campaigns?|purchases?|repeat|come back|bring\w* (?:\w+ )?back|"
    r"return\w*|dau|mau|sql|quer(?:y|ies)|lessons?|drop(?:ping)? out|upgrades?|expansion|paywall|trials?|"
    r"experiments?|a/b tests?|"
    r"embudo|conversi[oó]n|clientes|usuarios|usuários|retenci[oó]n|reten[çc][aã]o|coorte|abandono|pasos?|etapas?|"
    r"tableros?|reportes|informes|relat[oó]rios|m[ée]tricas|funcionalidades|registro|cadastro|aplicativo|"
    r"aplicaci[oó]n|funil|pain[ée]is|nutzer|kunden|auswertungen|berichte|abwanderung)\b",
    FLAGS,
)
_PROBLEM = re.compile(
    "|".join([
        r"\b(?:can'?t|cannot|can not|cant|couldn'?t|unable to|not able to|no way to|struggl\w* to|hard to|"
        r"difficult to|impossible to)\s+(?:\w+\s+){0,2}?(?:see|tell|track|measure|figure out|know|understand|answer|"
        r"build|attribute|find|get|identify|work out|pin ?point|connect|tie|report|explain|predict|spot)\b",
        r"\b(?:no|zero|little|limited|poor)\s+(?:real\s+)?(?:visibility|idea|insight|clue|view|way of knowing)\b",
        r"\b(?:don'?t|dont|do not|doesn'?t|didn'?t)\s+(?:\w+\s+)?(?:know|understand|see|have (?:a |any )?(?:way|"
        r"idea|visibility))\b|\b(?:nobody|no one|no-one)\s+(?:\w+\s+)?(?:can|knows|could)\b",
        r"\bby hand\b|\bmanual(?:ly)?\b|\bhand-built\b|\b(?:in|into|to)\s+(?:a\s+)?(?:spreadsheets?|excel|google "
        r"sheets|sheets)\b|\bspreadsheets?\b|\bcopy[- ]?past\w*",
        r"\b(?:takes?|took|taking)\s+(?:\w+\s+){0,3}?(?:about\s+|around\s+|roughly\s+|over\s+|up to\s+|almost\s+)?"
        r"(?:\d+(?:\s*-\s*\d+)?|a|an|a few|several|two|three|four|five|many|multiple|whole|full)\s+(?:full\s+|"
        r"whole\s+)?"
        r"(?:days?|hours?|weeks?|months?)\b|\bspend\w*\s+(?:\w+\s+)?(?:\d+|two|three|a few|several|many|"
        r"hours)\s+(?:full\s+)?"
        r"(?:days|hours)?\b",
        r"\bout of date\b|\boutdated\b|\bstale\b|\bslow\b|\btoo long\b|\bleak\w*|\blos(?:e|es|ing|t)\b|"
        r"\bdrop(?:s|ping|ped)?\s+(?:off|out|at|by|from|in)\b|\bfell\b|\bfalling\b|\bdeclin\w+|\bwent down\b|"
        r"\bgone quiet\b|\btoo late\b|\bguess\w*|\bgut feel\w*|\bbottleneck\w*|\bpainful\b|\bfrustrat\w+|\bmessy\b|"
        r"\bbroken\b|\binconsistent\b|\bblind\b|\btakes? (?:forever|ages)\b|\btoo much time\b|\btime[- ]consuming\b|"
        r"\bwaste of time\b|\btedious\b|\bno insight\b|\bwithout (?:writing )?sql\b|\ba (?:total |complete |"
        r"huge )?mess\b|\bunreliable\b|"
        r"\bchaos\b|\bno (?:single )?source of truth\b",
        r"\b(?:only\s+)?(?:find|finds|found)\s+out\s+(?:\w+\s+){0,5}?(?:when|after|once)\b",
        r"\b(?:wait\w*\s+(?:on|for)|ping\w*|ask\w*|depend\w*\s+on|rel(?:y|ies|ying)\s+on|goes\s+through|go\s+through)"
        r"\s+(?:an?\s+|the\s+|our\s+)?(?:analysts?|data team|data people|engineers?|bi team|devs?|developers?)\b",
        # Spanish / Portuguese / German
        r"\bno\s+(?:sabemos|podemos|logramos|conseguimos|vemos|entendemos|tenemos\s+(?:idea|visibilidad))\b|"
        r"\ba mano\b|\bmanualmente\b|\ben\s+(?:excel|hojas de c[aá]lculo)\b|\bperdemos\b|\bse\s+(?:van|pierden)\b|"
        r"\babandonan\b|\btarda\w*\s+(?:\w+\s+)?(?:d[ií]as|horas|semanas)\b",
        r"\bn[aã]o\s+(?:consegu\w+|sabemos|sabe|sei|vemos|v[eê]|entendemos|temos\s+(?:ideia|visibilidade))\b|"
        r"\bna m[aã]o\b|\bdesist\w+|\bno\s+(?:sabe|saben|ve|vemos)\b|"
        r"\b(?:no|pro|para o)\s+excel\b|\bplanilhas?\b|\babandonam\b|\bdemora\w*\s+(?:\w+\s+)?(?:dias|horas|semanas)\b",
        r"\bwissen\s+(?:wir\s+)?nicht\b|\bk[öo]nnen\s+(?:wir\s+)?nicht\b|\bkeine\s+(?:übersicht|transparenz|ahnung)\b|"
        r"\bmanuell\w*|\babspringen\b|\bverlieren\b",
    ]),
    FLAGS,
)
# A metric that moved: "activation went from 38% to 29%" (a fall is a problem, a rise is not).
_CHANGE = re.compile(
    r"(?<![\w'%-])(?P<subject>(?:(?!and\b|but\b|so\b|then\b|y\b|e\b)[\w'%-]+\s+){0,8}?)(?:went|fell|dropped|declined|slipped|"
    r"decreased|increased|grew|rose|moved|changed|cay[oó]|caiu|bajó|baixou|sank)\s+(?:down\s+|up\s+)?"
    r"from\s+(?P<a>\d+(?:[.,]\d+)?)\s*%?\s+(?:to|down to)\s+(?P<b>\d+(?:[.,]\d+)?)\s*%?",
    FLAGS,
)
# Metrics where a rise is the problem.
_BAD_WHEN_UP = re.compile(r"churn|drop|bounce|abandon|cancel|cost|cac|time to|latency|load time|uninstall|complaint|"
                          r"tickets", FLAGS)
_QUANTITY = re.compile(r"\b\d+(?:[.,]\d+)?\s*%|\b(?:step|stage|day|week|page)\s*\d+\b|\b\d+(?:\s*-\s*\d+)?\s+"
                       r"(?:full\s+)?(?:days|hours|weeks)\b|\b(?:two|three|four|five)\s+(?:full\s+)?(?:days|hours)\b",
                       FLAGS)
_VAGUE = re.compile(
    r"\b(?:just\s+)?(?:exploring|explore|browsing|just looking|looking around|see what'?s out there|curious|"
    r"comparing|compare|evaluating|evaluate)\b|\blooking at (?:a few|some|different|other|several) (?:options|"
    r"tools|vendors|solutions|alternatives)\b|\b(?:a\s+)?better\s+(?:\w+\s+)?(?:analytics|insights?|overview|"
    r"visibility|understanding|view|picture|reporting|dashboards|data)\b|\blevel up\b|\bimprove\s+(?:our\s+)?"
    r"(?:\w+\s+)?(?:analytics|reporting|insights|tracking)\b|\bmore\s+(?:insight|visibility|data-driven)\b|"
    r"\bsomething simple\b|\bnothing fancy\b|\bnothing (?:super\s+|too\s+|very\s+)?specific\b|\bbasic (?:analytics|"
    r"tracking|dashboards|reports)\b|\bneed\w*\s+more\s+(?:seats|users|licen[cs]es|capacity|events)\b|"
    r"\bconsolidat\w+\s+(?:\w+\s+)?(?:tools|stack|vendors)\b|\bexplorando\b|\bcuriosidad\b|\bcuriosidade\b|"
    r"\bchecking (?:you|it|things|acme) out\b|\blook(?:ing)? into (?:\w+\s+)?(?:tools|options|solutions|"
    r"analytics)\b|\bsolo (?:estamos )?mirando\b|\bs[óo] olhando\b|\bmejorar\b|\bmelhorar\b|\bentender mejor\b|"
    r"\bentender melhor\b",
    FLAGS,
)
_WANT = re.compile(r"\b(?:want\w*|need\w*|would like|'d like|looking (?:for|to)|hoping to|interested in|"
                   r"queremos|quiero|necesitamos|precisamos|quer[ií]amos|wir wollen|brauchen)\b", FLAGS)
_ASKS_FOR_SALES_ITEM = re.compile(r"\b(?:demo|trial|pricing|price|quote|proposal|e-?book|whitepaper|white paper|"
                                  r"case stud\w+|benchmark|download|webinar|guide|call)\b", FLAGS)
_INTRODUCTION = re.compile(r"\b(?:we'?re an?|we are an?|somos|i'?m|i am|my name|we make|we build|we sell)\b", FLAGS)
_INTERROGATIVE = re.compile(r"^(?:can|could|does|do|is|are|how|what|which|why|when|will|would|should|any|"
                            r"¿|qu[eé]|c[oó]mo|como|quanto|cu[aá]nto|tem|tiene|hay)\b", FLAGS)


@dataclass(frozen=True, slots=True)
class _Found:
    first: int
    last: int
    specificity: int
    quote: str | None = None  # a narrower quote than the clauses (a metric change)


def need_evidence(doc: Doc, asked: Asked) -> list[Evidence]:
    problems, domains = doc.clauses_with(_PROBLEM), doc.clauses_with(_DOMAIN)
    strong = _metric_changes(doc)
    covered = {c for f in strong for c in range(f.first, f.last + 1)}
    for ci in sorted(problems):
        if ci in covered or _asks(doc, ci):
            continue
        found = _strong_at(doc, ci, problems, domains, covered)
        if found is not None:
            strong.append(found)
            covered.update(range(found.first, found.last + 1))
    strong.sort(key=lambda f: (-f.specificity, f.first))
    out = [_ev(doc, f, "strong") for f in strong]
    out.extend(_ev(doc, _Found(ci, ci, 0), "weak") for ci in _weak(doc, asked, domains, covered))
    return out


def _asks(doc: Doc, ci: int) -> bool:
    """A question to the agent ("does it include SSO?") rather than a statement of need."""
    s = doc.sentences[doc.clauses[ci].sentence]
    return doc.is_question(doc.clauses[ci].sentence) and (ci == s.stop - 1 or bool(
        _INTERROGATIVE.match(doc.clause_text(ci))))


def _score(doc: Doc, first: int, last: int) -> int:
    text = doc.norm[doc.clauses[first].start:doc.clauses[last].end]
    domain = {m.group(0).lower() for m in _DOMAIN.finditer(text)}
    return len(domain) + len(_PROBLEM.findall(text)) + 2 * len(_QUANTITY.findall(text))


def _strong_at(doc: Doc, ci: int, problems: set[int], domains: set[int], covered: set[int]) -> _Found | None:
    has_problem, has_domain = ci in problems, ci in domains
    has_quantity = bool(_QUANTITY.search(doc.clause_text(ci)))
    if not has_problem:
        return None
    if has_domain or has_quantity:  # "perdemos como el 70% ahí": a quantified loss is specific enough
        return _Found(ci, ci, _score(doc, ci, ci))
    # The problem and its subject split over two clauses ("Aktuell wissen wir nicht, an welcher Stelle ...").
    s = doc.sentences[doc.clauses[ci].sentence]
    for other in (ci + 1, ci - 1):
        if s.first <= other < s.stop and other in domains and other not in covered and not _asks(doc, other):
            first, last = min(ci, other), max(ci, other)
            return _Found(first, last, _score(doc, first, last))
    return None


def _metric_changes(doc: Doc) -> list[_Found]:
    out: list[_Found] = []
    for m in doc.find(_CHANGE):
        a, b = float(m.group("a").replace(",", ".")), float(m.group("b").replace(",", "."))
        ci = doc.clause_at(m.start("subject") if m.group("subject") else m.start())
        worse_when_up = _BAD_WHEN_UP.search(m.group("subject") or "")
        got_worse = b > a if worse_when_up else b < a
        if not got_worse or ci is None or not _DOMAIN.search(m.group(0) + " " + doc.clause_text(ci)):
            continue
        start = m.start("subject") if m.group("subject").strip() else m.start()
        out.append(_Found(ci, ci, _score(doc, ci, ci) + 2, doc.quote(start, m.end())))
    return out


def _weak(doc: Doc, asked: Asked, domains: set[int], covered: set[int]) -> list[int]:
    wants = doc.clauses_with(_WANT) - doc.clauses_with(_ASKS_FOR_SALES_ITEM)  # "I'd like the analytics ebook"
    found = doc.clauses_with(_VAGUE) | (wants & domains)
    if asked.need:  # an answer naming what to track ("dashboards mostly"), not an introduction
        found |= domains - doc.clauses_with(_INTRODUCTION)
    return sorted(ci for ci in found if ci not in covered and not _asks(doc, ci))


def _ev(doc: Doc, f: _Found, grade: str) -> Evidence:
    quote = f.quote or doc.clause_quote(f.first, f.last)
    return Evidence(signal=Signal.need, quote=quote, grade=grade)  # type: ignore[arg-type]
