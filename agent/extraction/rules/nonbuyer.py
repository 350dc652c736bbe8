"""Visitors who are not buying: existing-customer support, job seekers, vendors pitching, spam, students.

Each kind needs first-person or pitch-shaped evidence, because buyers use the same words about
their own business ("we run courses for students", "we help small shops", "our reports"):
a student says "I'm a student"/"my thesis"; a vendor says several pitch phrases ("companies like
yours", "open to a quick call", "packages start at"); support needs a malfunction plus a sign of an
existing account. A message that also asks to buy is not support (an upgrade is a sale).
"""

from __future__ import annotations

import re

from agent.extraction.base import NonBuyerKind
from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.lexicon import FLAGS

_JOB = re.compile(
    r"\b(?:are|is)\s+(?:you|acme|your (?:company|team))\s+hiring\b|\b(?:open|available)\s+(?:roles|positions|"
    r"vacancies|jobs)\b|\bjob (?:opening|opportunit\w+|application|offer)s?\b|\b(?:my|attached)\s+(?:cv|resume|"
    r"résumé|curriculum|portfolio)\b|\bapply(?:ing)?\s+(?:for|to)\s+(?:a|the|this|your|an)?\s*(?:\w+\s+)?(?:job|role|"
    r"position|opening|internship)\b|\b(?:looking for|seeking)\s+(?:a\s+|an\s+)?(?:new\s+)?(?:job|role|position|"
    r"internship|employment)\b|\binternship\b|\bopenings?\s+for\b|"
    r"\binterested in (?:the|a|your|any) (?:\w+\s+){0,3}?(?:role|position|opening|job|vacancy)\b|\bi(?:'d|"
    r" would)\s+love\s+to\s+(?:work|join)\s+(?:at|for|on|with)?\s*"
    r"(?:you|acme|your)\b|\bjoin your team\b|\bcareers? (?:page|opportunit\w+)\b|\bvacante\b|\bempleo\b|"
    r"\bcurr[ií]cul(?:um|o)\b|\btrabajar (?:con|en|para) (?:ustedes|acme)\b|\bvaga\b|\bemprego\b|"
    r"\btrabalhar (?:com|na|para) (?:voc[eê]s|acme)\b|\bbewerbung\b|\blebenslauf\b",
    FLAGS,
)
_STUDENT = re.compile(
    r"\bi(?:'m| am)\s+(?:a|an)\s+(?:\w+\s+){0,3}?(?:student|undergrad\w*|phd candidate|researcher at (?:the )?"
    r"university)\b|\bmy\s+(?:\w+\s+)?(?:thesis|dissertation|capstone|coursework|homework|assignment|class project|"
    r"school project|university project|research project|final project|tfg|tfm|tcc)\b|\bfor (?:my|a) (?:class|"
    r"course|thesis|dissertation|school|university|college)\b|\bacademic (?:research|project|purposes)\b|"
    r"\b(?:soy|sou)\s+(?:un\s+|una\s+|um\s+|uma\s+)?estudiante?\b|\bestudante\b|\bmi tesis\b|\bminha tese\b|"
    r"\btrabajo de fin de (?:grado|m[aá]ster)\b|\bmasterarbeit\b|\bbachelorarbeit\b|\bich bin student\w*",
    FLAGS,
)
# Pitch phrases; a vendor uses several, a buyer describing their company at most one.
_VENDOR = re.compile(
    r"\b(?:companies|businesses|brands|teams|startups|saas companies)\s+like\s+(?:yours|you)\b"
    r"|\b(?:would|are|will)\s+you\s+(?:be\s+)?(?:open|interested|available)\s+(?:to|in|for)\s+(?:a\s+)?(?:quick\s+|short\s+|"
    r"brief\s+|\d+[- ]min(?:ute)?s?\s+)?(?:call|chat|meeting|conversation|intro)\b"
    r"|\b\d+[- ]minute\s+(?:call|chat|meeting)\b"
    r"|\bwe\s+(?:help|enable|work with|partner with)\s+(?:\w+\s+)?(?:companies|businesses|brands|teams|startups|"
    r"saas|b2b|founders|agencies)\b"
    r"|\bour\s+(?:services|agency|offering|clients\s+include)\b"
    r"|\bwe\s+(?:offer|provide|specialize|specialise|deliver)\b"
    r"|\bdone[- ]for[- ]you\b|\b(?:packages|pricing|rates|plans)\s+(?:start|starting)\s+(?:at|from)\b"
    r"|\bi\s+noticed\s+(?:that\s+)?(?:you|your|acme)\b|\bpartnership\s+(?:opportunit\w+|proposal)\b"
    r"|\boutsourc\w+|\bwhite[- ]label\b|\blead gen(?:eration)?\b|\boutbound\b|\bseo\b|\bbacklinks?\b"
    r"|\b(?:book|grab|schedule)\s+(?:a\s+)?(?:time|call|slot)\s+(?:with me|on my calendar)\b|\bmy calendar\b|"
    r"\bcalendly\b|\blet me know if (?:you'?re|you are) interested\b|\bcan help you (?:grow|scale|increase|boost|"
    r"get|generate)\b|\bwe (?:typically|usually|can) (?:add|generate|deliver|increase|boost|book)\b|"
    r"\bno long-term contract\b|\b(?:love|like) to partner\b|\bpartner with you\b|\breaching out (?:from|on behalf "
    r"of)\b|\bwe build (?:\w+\s+){0,3}?for (?:companies|businesses|teams|saas|startups)\b",
    FLAGS,
)
_SPAM = re.compile(
    r"\bguaranteed\b|\bclick here\b|\border now\b|\bbuy now\b|\blimited (?:time )?offer\b|\bact now\b|\b100% "
    r"(?:free|guaranteed)\b|\bearn \$|\bmake money\b|\bcrypto\w*|\bbitcoin\b|\bcasino\b|\bviagra\b|\bwinner\b|"
    r"\bcongratulations\b|\bfree gift\b|\bboost your (?:google )?(?:ranking|seo|traffic|sales)\b|\bbacklinks?\b|"
    r"\bseo (?:services|package)\b|\bwork from home\b|\bdear (?:sir|friend)\b",
    FLAGS,
)
_MALFUNCTION = re.compile(
    r"\b(?:stopped|stop|isn'?t|is not|aren'?t|are not|not|won'?t|doesn'?t|don'?t|can'?t|cannot)\s+(?:\w+\s+)?"
    r"(?:working|work|loading|load|arriving|arrive|syncing|sync|showing|show up|updating|sending|tracking|firing|"
    r"coming through)\b|\b(?:is|are|seems?|keeps?)\s+(?:\w+\s+)?(?:broken|down|failing|crashing|erroring)\b|"
    r"\b(?:bug|error|outage|glitch|crash(?:es|ed|ing)?)\b|\bcan'?t (?:log ?in|sign ?in|access|login)\b|"
    r"\b(?:reset|forgot)\s+(?:my|the)\s+password\b|\blocked out\b|\brefund\b|\bcharged twice\b|\bdouble charged\b|"
    r"\bbilling (?:issue|problem|question)\b|\bcancel (?:my|our) (?:subscription|account|plan)\b|"
    r"\bno funciona\b|\bdej[oó] de funcionar\b|\bn[aã]o funciona\b|\bparou de funcionar\b|\bfunktioniert nicht\b",
    FLAGS,
)
_CUSTOMER = re.compile(
    r"\b(?:our|my)\s+(?:acme\s+)?(?:account|workspace|login|subscription|instance|project|admin)\b|\baccount admin\b|"
    r"\bsupport ticket\b|\b(?:i'?m|i am|we'?re|we are)\s+(?:an?\s+)?(?:acme\s+|existing\s+|current\s+|paying\s+)+"
    r"(?:customers?|clients?|users?)\b|\b(?:customers?|clients?) of (?:yours|acme)\b|"
    r"\bwe(?:'ve| have) been (?:using|on) (?:acme|you)\b|"
    r"\bwe use (?:acme|you)\b|\byour (?:app|tool|product|platform|dashboard|sdk|api)\s+(?:is|isn'?t|keeps|won'?t)\b|"
    r"\bcan (?:someone|somebody|you) (?:look|help|check|fix)\b|\bplease (?:fix|help|look)\b|\bmi cuenta\b|"
    r"\bminha conta\b|\b(?:customer|client|user) since\b|\bsince (?:yesterday|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|last)\b",
    FLAGS,
)


def non_buyer_kinds(doc: Doc, has_intent: bool) -> list[NonBuyerKind]:
    kinds: list[NonBuyerKind] = []
    if next(doc.find(_JOB), None):
        kinds.append("job_seeker")
    if next(doc.find(_STUDENT), None):
        kinds.append("student")
    spam = sum(1 for _ in doc.find(_SPAM))
    vendor = sum(1 for _ in doc.find(_VENDOR))
    if spam >= 2 or (spam and _shouting(doc.text)):
        kinds.append("spam")
    elif vendor >= 2:
        kinds.append("vendor")
    if not has_intent and next(doc.find(_MALFUNCTION), None) and next(doc.find(_CUSTOMER), None):
        kinds.append("support")
    return kinds


def _shouting(text: str) -> bool:
    """Capitals over a long stretch or "!!!": how spam sounds (only counted beside a spam phrase)."""
    letters = [c for c in text if c.isalpha()]
    caps = len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.4
    return caps or "!!!" in text
