"""Buying-intent signals: asking about pricing, a demo, a trial, sales, a proposal or gated content.

Mentions count when they are asked for or wanted, not when negated ("no demo needed") or in the
past ("we had a demo with them"). Accepting the agent's offer ("want me to send a quote?" ->
"sure, to dana@...") is intent of the offered kind.
"""

from __future__ import annotations

import re

from agent.extraction.base import IntentKind, IntentSignal
from agent.extraction.rules.affirmation import affirmation
from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.lexicon import FLAGS, PAST
from agent.extraction.rules.questions import Asked

_REQUEST = re.compile(
    r"\b(?:send|share|get|see|know|understand|compare|learn|check|receive|download|access|book|schedule|set up|setup|"
    r"arrange|request\w*|need\w*|want\w*|'d like|would like|looking for|interested in|can i|could i|can we|"
    r"could we|could you|can you|please|pls|give me|show me|tell me|quer\w*|quiero|gostaria|queria|quisiera|"
    r"necesit\w*|preciso|precisamos|podr[ií]a\w*|pueden|podem|poderiam|"
    r"me gustar[ií]a|pedir|solicitar|enviar|mandar|manda|envi[ae]\w*|descargar|baixar|receber|ver|conocer|saber|"
    r"schicken|senden|zusenden|herunterladen|h[äa]tte gern|m[öo]chte|k[öo]nnten)\b",
    FLAGS,
)
_PATTERNS: list[tuple[IntentKind, re.Pattern[str], bool]] = [  # (kind, pattern, needs a request or question)
    ("demo", re.compile(r"\bdemos?\b|\bdemonstration\b|\bwalk-?through\b|\bproduct tour\b|\bsee (?:it|acme|the "
                        r"product|the tool|the platform) in action\b|\bwalk (?:me|us) through\b|\bsee (?:the product|"
                        r"the platform|how it works)\b|\bdemostraci[oó]n\b|\bdemonstra[çc][aã]o\b|"
                        r"\bvorf[üu]hrung\b", FLAGS), False),
    ("trial", re.compile(r"\b(?:free\s+)?trial\b(?![- ](?:to|users|conversion|signups|accounts))|\btry (?:it|acme|you "
                         r"guys|the product|the tool|your (?:tool|product|platform))(?: out)?\b|\btest[- ]drive\b|"
                         r"\bpilot\b|\bpoc\b|\bproof of concept\b|\bsandbox\b|\bteste (?:gr[aá]tis|gratuito)\b|"
                         r"\bper[ií]odo de (?:teste|prueba)\b|\bprueba (?:gratis|gratuita)\b|\bversi[oó]n de prueba\b|"
                         r"\btestar\b|\bprobar\w*\b|\btestversion\b|\btestzugang\b|"
                         r"\bkostenlos testen\b", FLAGS), False),
    ("proposal", re.compile(r"\bproposal\b|\brfp\b|\brfq\b|\bpropuesta\b|\bproposta\b|\bangebot\b|\bstatement of "
                            r"work\b", FLAGS), False),
    ("sales", re.compile(
        r"\b(?:talk|speak|chat|connect|get in touch|meet)\s+(?:to|with)\s+(?:someone|somebody|a person|a human|sales|"
        r"your sales|an? (?:sales )?(?:rep|representative|account executive|ae|consultant|specialist|expert)|"
        r"your team|an expert)\b|\bcontact sales\b|\bsales (?:team|rep|person)\b|\b(?:have|get) (?:someone|somebody|"
        r"sales) (?:to )?(?:call|contact|reach out)\b|\bhablar con (?:ventas|un asesor|un vendedor|alguien|un "
        r"comercial)\b|\bfalar com (?:vendas|um vendedor|um consultor|o comercial|algu[ée]m|um especialista)\b|"
        r"\bmit (?:dem )?vertrieb\b|\b(?:buy|purchase|subscribe|upgrade|sign up for|comprar|contratar|assinar|kaufen)"
        r"\b", FLAGS), True),
    ("pricing", re.compile(
        r"\bpric(?:e|es|ing)\b|\brate card\b|\bprice list\b|\bdiscounts?\b|\bdescuentos?\b|\bdescontos?\b|"
        r"\brabatt\b|\b(?:setup |set-up |onboarding |license |licence )?fees?\b|\bhow much\b|\bcosts?\b|\bquot(?:e|"
        r"es|ation)\b|\bcheap(?:er|est)?\b|\bexpensive\b|"
        r"\b(?:a|an|the|your|which|what|any|cheapest|cheaper|monthly|annual|yearly|entry|basic|starter|free|paid|"
        r"business|team|enterprise|pro|growth|premium)\s+(?:\w+\s+)?(?:plans?|tiers?|packages?|editions?)\b|"
        r"\b(?:plans|tiers)\b|\bprecios?\b|\bcu[aá]nto (?:cuesta|sale|cobran|vale|es|"
        r"ser[ií]a)\b|\btarifas?\b|\bcotiza(?:r|ci[oó]n|ciones)?\b|\bcotar\b|\bplanes\b|\bpre[çc]os?\b|"
        r"\bquanto (?:custa|[ée]|sai|fica|cobram|"
        r"seria)\b|\bvalores\b|\bplanos\b|\bcota[çc][aã]o\b|\bpreise?\b|\bkosten\b|\bwas kostet\b|"
        r"\b(?:presupuesto|or[çc]amento)\b(?=.*\?)", FLAGS), True),
    # Sizing a purchase ("we'd be around 40 seats") is a pricing question even without a question mark.
    ("pricing", re.compile(r"\b(?:we'?d be|we are|we're|we need|we'll need|for|about|around|roughly|~)\s*\d+\s*"
                           r"(?:seats|licen[cs]es|users)\b", FLAGS), False),
    ("gated_content", re.compile(
        r"\b(?:white ?papers?|e-?books?|reports?|case stud(?:y|ies)|benchmarks?|guides?|playbooks?|checklists?|"
        r"templates?|webinars?|datasheets?|data sheets?|one-pagers?|brochures?|informes?|estudios?|relat[oó]rios?|"
        r"estudos? de caso|casos? de [ée]xito|casos? de sucesso|studien?|leitf[äa]den)\b", FLAGS), True),
]
# Requests for a quote in Spanish/Portuguese use the word for budget: "me manda um orçamento".
_QUOTE_REQUEST = re.compile(r"\b(?:pedir|solicitar|manda\w*|envi\w*|quer\w*|gostaria de|quisiera|necesito|preciso "
                            r"de)\s+(?:um|uma|un|una|el|o)?\s*(?:orçamento|orcamento|presupuesto)\b", FLAGS)
_OWN = re.compile(r"\b(?:our|my|their|his|her|weekly|scheduled|existing)\s+(?:\w+\s+){0,2}$", FLAGS)
_CONTACT_GIVEN = re.compile(r"@|\b(?:at|arroba)\b.+\b(?:dot|punto|ponto)\b|\+?\d[\d\s().-]{7,}\d|\bsend it\b|"
                            r"\bgo ahead\b|\bplease do\b", FLAGS)


def intent_signals(doc: Doc, asked: Asked) -> list[IntentSignal]:
    found: list[IntentSignal] = []
    kinds: set[str] = set()
    for kind, pattern, needs_request in _PATTERNS:
        for m in doc.find(pattern):
            if kind in kinds:
                break
            if _counts(doc, m, kind, needs_request):
                kinds.add(kind)
                ci = doc.clause_at(m.start())
                found.append(IntentSignal(kind=kind, quote=doc.clause_quote(ci) if ci is not None else m.group(0)))
    if "pricing" not in kinds and (m := next(doc.find(_QUOTE_REQUEST), None)):
        found.append(IntentSignal(kind="pricing", quote=m.group(0)))
    found.extend(_accepted_offer(doc, asked, kinds))
    return found


def _counts(doc: Doc, m: re.Match[str], kind: str, needs_request: bool) -> bool:
    si, ci = doc.sentence_at(m.start()), doc.clause_at(m.start())
    if si is None or ci is None or doc.negated_before(m.start(), words=3):
        return False
    clause = doc.clause_text(ci)
    if PAST.search(clause):
        return False
    if kind == "gated_content" and _OWN.search(doc.norm, max(0, m.start() - 40), m.start()):
        return False  # "our scheduled reports": their own reports, not content to download
    if not needs_request:
        return True
    return doc.is_question(si) or si in doc.sentences_with(_REQUEST)


def _accepted_offer(doc: Doc, asked: Asked, kinds: set[str]) -> list[IntentSignal]:
    """'Want me to send a quote?' answered with yes or with contact details."""
    offered = [k for k in asked.offers if k not in kinds]
    if not offered or not doc.clauses or doc.is_blocked(0, len(doc.norm)):
        return []
    yes = affirmation(doc.norm)
    if yes is False or not (yes or _CONTACT_GIVEN.search(doc.norm)):
        return []
    return [IntentSignal(kind=offered[0], quote=doc.clause_quote(0))]
