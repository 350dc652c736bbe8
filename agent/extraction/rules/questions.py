"""What the agent just asked or offered, to read short answers ("me", "around 800 a month", "sure").

Only the agent's question sentences count: "Team is $6,000/year. What would you track?" asks about
need, not budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from agent.extraction.base import IntentKind
from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.lexicon import FLAGS


@dataclass(frozen=True, slots=True)
class Asked:
    budget: bool = False
    authority: bool = False  # any question about who decides
    authority_yes_no: bool = False  # "are you the one deciding?": a "yes" means "I decide"
    timing: bool = False
    need: bool = False
    offers: tuple[IntentKind, ...] = field(default_factory=tuple)  # "want me to send a quote?"


NOTHING = Asked()

_BUDGET = re.compile(r"\bbudget|\bspend|price range|presupuesto|or[çc]amento|invest|how much (?:are|were|would) "
                     r"you|cu[aá]nto (?:quieren|pueden|piensan)|quanto (?:vocês|voc[eê]) (?:querem|podem)", FLAGS)
_AUTHORITY = re.compile(
    r"\bdecid|\bdecision|\bsign(?:s|ing)?[- ]?off|\bapprov|who else|involved|your call|\bin charge|"
    r"leading the (?:evaluation|project|search)|decisi[oó]n|decis[aã]o|quem (?:decide|aprova)|"
    r"qui[eé]n (?:decide|aprueba)|entscheid",
    FLAGS,
)
_AUTHORITY_YES_NO = re.compile(
    r"\b(?:are|would|will) you (?:be )?(?:the )?(?:one|person|decision[- ]maker|deciding|making|leading|in charge)|"
    r"\bdo you (?:make|decide|sign|own|have)|\bis (?:it|this|that) your (?:call|decision)|"
    r"\b(?:t[uú]|usted) (?:tomas|toma|decides|decide)|\bvoc[eê] (?:decide|toma|aprova)|\bentscheiden sie",
    FLAGS,
)
_TIMING = re.compile(
    r"\bwhen\b|\btimeline|\btime ?frame|\bhow soon|\bdeadline|\bby when|\bsoon\b|\bstart date|"
    r"cu[aá]ndo|\bplazo|\bquando|\bprazo|\bwann\b|\bzeitrahmen",
    FLAGS,
)
# Questions about slots for a call are scheduling, not purchase timing.
_SCHEDULING = re.compile(r"\b(?:demo|call|meeting|slot|invite|calendar|chat|reunión|reunião|llamada|ligação|"
                         r"days? work|times? work|works best)\b", FLAGS)
_NEED = re.compile(
    r"\bproblem|\bsolv|\bresolv|\btrack|\bmeasur|\banaly[sz]|\buse (?:acme|it|us|this) for|\bhoping to|"
    r"\bprompting|\bdriving|\buse case|\bfeatures? matter|\bgoal|\bchallenge|\bpain|\blooking for|"
    r"\bwhat (?:would|do) you (?:like|want|need)|\bfocus on|\bwhat brings you|"
    r"qu[eé] (?:les|te|le) gustar[ií]a|qu[eé] (?:necesitan|buscan|quieren)|o que (?:vocês|voc[eê]) "
    r"(?:querem|quer|gostariam|precisam)|analisar|analizar|resolver",
    FLAGS,
)
_OFFER = re.compile(
    r"\b(?:would you like|do you want|want me to|shall i|should i|(?:can|could|may) i (?:send|set|book|get|have|share|"
    r"grab)|so (?:that )?(?:we|i|an? (?:\w+ ){0,2}?\w+) can (?:send|set|book|share|schedule|prepare)|"
    r"i can (?:send|set|book|have|share|put)|happy to (?:send|set|book|share|put)|"
    r"(?:te|le|les) (?:gustar[ií]a|env[ií]o|mando)|quer(?:es|em)? que (?:eu )?(?:te )?(?:envie|mande)|"
    r"posso (?:enviar|mandar|agendar))",
    FLAGS,
)
_OFFER_KINDS: list[tuple[IntentKind, re.Pattern[str]]] = [
    ("demo", re.compile(r"\bdemo|walkthrough|demostraci[oó]n|demonstra[çc][aã]o", FLAGS)),
    ("trial", re.compile(r"\btrial|prueba|teste|testversion", FLAGS)),
    ("proposal", re.compile(r"\bproposal|propuesta|proposta|angebot", FLAGS)),
    ("pricing", re.compile(r"\bquote|pric|\bplan|\bcost|cotizaci|precio|pre[çc]o|or[çc]amento|comparison", FLAGS)),
    ("sales", re.compile(r"account (?:executive|manager)|sales|\brep\b|someone (?:follow|reach|call)", FLAGS)),
    ("gated_content", re.compile(r"\breport|white ?paper|e-?book|case stud|benchmark|guide", FLAGS)),
]


@lru_cache(maxsize=256)  # the agent's questions come from a few templates; Asked is immutable
def what_was_asked(agent_text: str | None) -> Asked:
    if not agent_text:
        return NOTHING
    doc = Doc(agent_text)
    questions = [doc.sentence_text(i) for i in range(len(doc.sentences)) if doc.is_question(i)]
    if not questions:
        return NOTHING
    q = " ".join(questions)
    offers = tuple(kind for sent in questions if _OFFER.search(sent)
                   for kind, pat in _OFFER_KINDS if pat.search(sent))
    timing_qs = [s for s in questions if _TIMING.search(s) and not _SCHEDULING.search(s)]
    return Asked(
        budget=bool(_BUDGET.search(q)),
        authority=bool(_AUTHORITY.search(q)),
        authority_yes_no=bool(_AUTHORITY_YES_NO.search(q)),
        timing=bool(timing_qs),
        need=bool(_NEED.search(q)),
        offers=offers,
    )
