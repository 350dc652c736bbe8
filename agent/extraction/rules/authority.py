"""Authority evidence: does the visitor make or sign off the buying decision?

strong: a first-person decision statement ("it's my call", "I sign off", "the budget is mine",
        "a decisão é minha"), or "me" in answer to "who decides?".
weak:   someone else decides or must approve ("I'll need my boss's OK", "our COO signs off"), a
        committee, an influencer ("I'll make the recommendation"), a negated decision statement
        ("I'm not the decision maker"), or a senior title with no decision statement ("I'm VP
        Product", a signature line "Head of Digital Analytics").
Weak candidates are ordered by how much they say about the buying process, so the quote that
explains the level comes first.
"""

from __future__ import annotations

import re

from agent.extraction.base import Evidence, Signal
from agent.extraction.rules.affirmation import affirmation
from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.lexicon import FLAGS, NEGATOR
from agent.extraction.rules.questions import Asked

_TITLE = (
    r"(?:c[eftomprdi]o|cxo|chief\s+(?:\w+\s+){1,2}officer|(?:co-?)?founder|owner|president|vice\s+president|"
    r"[se]?vp|head(?:\s+of\s+[\w&]+(?:\s+(?:&\s+)?[\w&]+)?)?|(?:managing\s+)?director|general\s+manager|gm|"
    r"(?:managing\s+)?partner|principal|manager|lead|leader|geschäftsführer(?:in)?|gründer(?:in)?|inhaber(?:in)?|"
    r"leiter(?:in)?|vorstand|directora?|gerente|jef[ea]|fundadora?|cofundadora?|dueñ[oa]|soci[oa]|diretora?|"
    r"s[óo]ci[oa]|don[oa]|chefe|presidente)"
)
_OTHER = (r"(?:boss|manager|ceo|cto|cfo|coo|cmo|cpo|cio|cro|vp|svp|director|head|founder|co-?founder|cofounder|"
          r"owner|board|committee|partner|leadership|management|finance|procurement|legal|it team|superior|"
          r"jefe|jefa|socio|socia|gerente|chefe|s[óo]ci[oa]|diretor|diretora|gestor|gestora|dono|dona|chef|chefin|"
          r"vorgesetzte[nr]?|geschäftsführer)")

_STRONG = re.compile(
    "|".join([
        r"\b(?:it'?s|its|it is|that'?s|thats|that is|this is)\s+(?:\w+\s+)?my\s+(?:own\s+)?(?:call|decision|choice)\b",
        r"\b(?:decision|call|say|budget|choice|sign-?off|final word)\s+(?:\w+\s+)?(?:is|'s|will be|lies|rests|sits)\s+"
        r"(?:\w+\s+)?(?:mine|with me|on me)\b",
        r"\bi(?:'ll|'d|\s+will|\s+would|\s+can|\s+do|\s+alone|\s+personally|\s+usually|\s+also|\s+ultimately|\s+"
        r"always)?\s+(?:\w+\s+)?(?:make|makes|take|own|have|hold|control|manage)\s+(?:the\s+|all\s+|our\s+|my\s+)?"
        r"(?:final\s+|ultimate\s+|last\s+|purchasing\s+|buying\s+)?(?:\w+\s+){0,2}?(?:decisions?|call|say|sign-?off|"
        r"budget|purse strings)\b",
        r"\bi(?:'ll|'d|\s+will|\s+can|\s+do|\s+alone|\s+personally|\s+usually|\s+also|\s+ultimately)?\s+(?:decide|"
        r"approve|sign\s+off|sign-off|sign\s+the\s+contracts?|sign\s+contracts|authori[sz]e|greenlight|green-light|"
        r"call\s+the\s+shots)\b",
        r"\b(?:i'?m|i am|im)\s+(?:\w+\s+)?(?:the\s+|a\s+)?(?:final\s+|main\s+|sole\s+|only\s+|ultimate\s+|key\s+)?"
        r"(?:decision[- ]?maker|decider|budget[- ]holder|budget owner|approver|signatory|one\s+(?:who|that)\s+"
        r"(?:decides|signs|approves)|one deciding|person\s+(?:who|that)\s+(?:decides|signs))\b",
        r"\b(?:i'?m|i am|im)\s+(?:the\s+one\s+)?(?:responsible|in charge)\s+(?:for|of)\s+(?:the\s+|our\s+)?"
        r"(?:buying|purchas\w*|budget|choosing|selecting|decision|procurement)\b|\bi\s+(?:have|hold)\s+(?:the\s+)?"
        r"authority\b|\bone signing\b|"
        r"\bup to me\b|\bmy call\b|\b(?:signing|budget|purchasing|buying|spending) authority\b|"
        r"\bmy (?:own )?budget\b|\bi\s+(?:\w+\s+)?sign\s+(?:the\s+)?(?:checks|cheques|pos?|purchase orders?|"
        r"invoices)\b|"
        r"\bi\s+(?:hold|control)\s+the\s+purse\s+strings\b",
        # Spanish
        r"\b(?:la\s+)?decisi[oó]n\s+es\s+m[ií]a\b|\byo\s+decido\b|\bdecido\s+yo\b|\bsoy\s+(?:yo\s+)?(?:quien|el que|"
        r"la que)\s+decide\b|\byo\s+(?:tomo la decisi[oó]n|apruebo|firmo)\b|\bel presupuesto es m[ií]o\b|"
        r"\bdepende de m[ií]\b",
        # Portuguese
        r"\b(?:a\s+)?decis[aã]o\s+[ée]\s+minha\b|\beu\s+(?:que\s+)?(?:decido|aprovo|assino)\b|\bsou\s+eu\s+(?:quem|"
        r"que)\s+decid\w*|\bquem decide sou eu\b|\bo or[çc]amento [ée] meu\b|\bdepende de mim\b|\bdecido eu\b",
        # German
        r"\bich\s+entscheide\b|\bund\s+entscheide\b|\bentscheide\s+(?:ich|allein)\b|"
        r"\bdie entscheidung liegt bei mir\b|\bich unterschreibe\b|\bdas budget liegt bei mir\b",
    ]),
    FLAGS,
)
# Someone else decides or must approve; the visitor is part of a committee.
_OTHERS_DECIDE = re.compile(
    "|".join([
        rf"\b(?:need|needs|have to|has to|got to|gotta|must|require|requires|will need|'ll need|'d need)\b"
        rf"(?:\W+\w+){{0,6}}?\W+(?:approval|approve|sign-?off|sign off|ok|okay|green light|blessing|buy-?in|"
        rf"go-?ahead|permission|{_OTHER}'?s?)\b",
        rf"\b(?:check|run (?:it|this|that)|clear (?:it|this)|talk|discuss (?:it|this)?|speak|confirm|loop in)\s+"
        rf"(?:with|by|past|to)\s+(?:my|our|the)\s+(?:\w+\s+)?{_OTHER}\b",
        rf"\b(?:my|our|the)\s+(?:\w+\s+){{0,2}}?{_OTHER}\b(?:\s+\w+){{0,3}}?\s+(?:decides?|makes? the (?:final )?"
        rf"(?:call|decision)|signs? off|approves?|has (?:the )?final say|will decide|needs? to approve|has to approve|"
        rf"is the decision[- ]?maker|owns the budget|holds the budget|signs? (?:the )?contracts?)\b",
        r"\b(?:evaluation|buying|selection|steering|procurement|purchasing)\s+(?:committee|team|group|panel)\b|"
        r"\bcommittee\b|\b(?:team|joint|group|shared)\s+decision\b|\bwe decide (?:together|as a team)\b|"
        r"\bcomit[eé]\b|\bcomiss[aã]o\b|\bgremium\b",
        rf"\b(?:decision|call|say|sign-?off)\s+(?:is|sits|lies|rests|stays)\s+with\s+(?:my|our|the)\s+(?:\w+\s+)?"
        rf"{_OTHER}\b|\b(?:approved|signed off|decided|owned)\s+by\s+(?:my|our|the)\s+(?:\w+\s+)?{_OTHER}\b|"
        rf"\b(?:my|our)\s+(?:\w+\s+)?{_OTHER}\s+(?:asked|wants|told|needs)\s+me\s+to\b|"
        rf"\bup to (?:my|our|the)\s+(?:\w+\s+)?{_OTHER}\b|\b{_OTHER}\s+(?:has|have)\s+(?:the\s+)?final\s+say\b",
        # Spanish / Portuguese / German
        r"\b(?:tengo|tenemos|necesito)\s+que\s+(?:\w+\s+){0,3}?(?:con|a)\s+(?:mi|el|la|nuestro|nuestra)\s+"
        r"(?:jefe|jefa|socio|socia|gerente|director|directora|dueñ[oa]|ceo|equipo)\b|\bnecesito\s+(?:la\s+)?"
        r"aprobaci[oó]n\b|\b(?:lo|la)\s+(?:decide|aprueba)\s+(?:mi|el|la|nuestro)\b|\bno soy (?:quien|el que|la que) "
        r"decide\b",
        r"\b(?:tenho|preciso|precisamos|temos)\s+(?:que\s+|de\s+)?(?:\w+\s+){0,3}?com\s+(?:o|a|meu|minha|nosso|"
        r"nossa)\s+(?:chefe|s[óo]ci[oa]|diretor|diretora|gestor|gestora|gerente|ceo|time|dono|dona)\b|"
        r"\bpreciso\s+da\s+aprova[çc][aã]o\b|\bquem decide [ée]\b|\bn[aã]o sou eu (?:quem|que) decid\w*",
        r"\bmuss\s+(?:das\s+)?(?:noch\s+)?(?:mit|von)\s+(?:meinem|meiner|unserem|unserer|dem|der)\s+\w+\s+"
        r"(?:abstimmen|freigeben|absegnen)\b|\bfreigabe\b",
    ]),
    FLAGS,
)
_INFLUENCER = re.compile(
    r"\b(?:i'?ll|i will|i'?m|i am|im)\s+(?:be\s+)?(?:\w+\s+)?(?:making|make|give|giving|put together|putting together|"
    r"pulling together|compiling|building|doing|leading|running)\s+(?:the\s+|a\s+|my\s+)?(?:recommendation|"
    r"shortlist|short-list|evaluation|research|comparison|business case)\b|\bi recommend\b|\bi(?:'ll| will)?\s+"
    r"(?:share|present|pass|bring|forward|take)\s+(?:it|this|them|the\s+\w+)\s+(?:to|with)\s+(?:my|our|the)\b|"
    r"\bshortlist\b|\binfluenc\w+|\b(?:gathering|collecting|doing|pulling)\s+(?:some\s+)?(?:info|information|"
    r"research|options)\s+for\s+(?:my|our|the)\b",
    FLAGS,
)
_FILLER = r"(?:(?!looking|trying|going|not|just|here|interested|curious|writing|working|a\s+student)[\w&/-]+\s+)"
_SELF_TITLE = re.compile(
    rf"\b(?:i'?m|i am|im|as|as the|as a|my role is|my title is|i work as|soy|sou|como|ich bin|als)\s+"
    rf"(?:the\s+|a\s+|an\s+|o\s+|el\s+|la\s+|um\s+|uma\s+|un\s+|una\s+|der\s+|die\s+)?{_FILLER}{{0,2}}?{_TITLE}\b"
    r"(?!'s|\s+assistant|\s+office)"
    r"|\bi\s+(?:run|lead|head(?:\s+up)?|manage|oversee)\s+(?:the\s+|our\s+)?(?:\w+\s+){0,2}?(?:product|data|"
    r"analytics|engineering|marketing|growth|ops|operations|team|function|department|org|organi[sz]ation|bi|it|"
    r"tech|cx|cs|sales|revenue|finance|company|business)\b",
    FLAGS,
)
_LINE_TITLE = re.compile(rf"\b{_TITLE}\b", FLAGS)
_PERSONAL = re.compile(r"\b(?:i|i'm|im|we|we're|you|your|our|my|us)\b", FLAGS)
_SELF_ANSWER = re.compile(
    r"^\W*(?:just\s+|only\s+|yes,?\s+|yep,?\s+|yeah,?\s+)?(?:me|myself|i do|i am|i will|i'm the one|that'?s me|"
    r"that would be me|that'?d be me|it'?s me|yo|eu|sou eu|soy yo|ich)\b(?!\s*(?:and|&|\+|y|e|with|plus|,\s*and)\b)",
    FLAGS,
)
_SHARED_ANSWER = re.compile(rf"^\W*(?:me|i)\s+(?:and|&|\+|y|e|with|plus)\b|\b(?:my|our|the)\s+{_OTHER}\b", FLAGS)


def authority_evidence(doc: Doc, asked: Asked) -> list[Evidence]:
    strong: list[Evidence] = []
    weak: list[tuple[int, int, Evidence]] = []  # (priority, position, evidence)
    taken: set[int] = set()
    for m in doc.find(_STRONG):
        ci = doc.clause_at(m.start())
        if ci is None or ci in taken:
            continue
        taken.add(ci)
        if NEGATOR.search(m.group(0)) or doc.negated_before(m.start()):
            weak.append((0, m.start(), _ev(doc, ci, "weak")))  # "I'm not the decision maker"
        else:
            strong.append(_ev(doc, ci, "strong"))
    for priority, pattern in ((0, _OTHERS_DECIDE), (1, _INFLUENCER), (2, _SELF_TITLE)):
        for m in doc.find(pattern):
            ci = doc.clause_at(m.start())
            if ci is not None and ci not in taken:
                taken.add(ci)
                weak.append((priority, m.start(), _ev(doc, ci, "weak")))
    weak.extend((2, doc.clauses[ci].start, _ev(doc, ci, "weak")) for ci in _signature_titles(doc, taken))
    if not strong and not weak and asked.authority:
        return _short_answer(doc, asked)
    return strong + [e for _, _, e in sorted(weak, key=lambda w: (w[0], w[1]))]


def _ev(doc: Doc, ci: int, grade: str) -> Evidence:
    return Evidence(signal=Signal.authority, quote=doc.clause_quote(ci), grade=grade)  # type: ignore[arg-type]


def _signature_titles(doc: Doc, taken: set[int]) -> list[int]:
    """Clauses of short stand-alone lines naming a title ("Director of Data & Insights", "CTO, Paystream")."""
    out: list[int] = []
    for si, sent in enumerate(doc.sentences):
        own_line = _line_edge(doc.norm, sent.start - 1, -1) and _line_edge(doc.norm, sent.end, 1)
        text = doc.sentence_text(si)
        if not own_line or len(text.split()) > 8 or _PERSONAL.search(text) or doc.is_question(si):
            continue
        if doc.is_blocked(sent.start, sent.end):
            continue
        for ci in range(sent.first, sent.stop):
            if ci not in taken and _LINE_TITLE.search(doc.clause_text(ci)):
                out.append(ci)
                break
    return out


def _line_edge(norm: str, i: int, step: int) -> bool:
    """Whether only spaces (and a full stop) separate position i from a line break or the text's edge."""
    while 0 <= i < len(norm) and norm[i] in " \t.":
        i += step
    return not 0 <= i < len(norm) or norm[i] == "\n"


def _short_answer(doc: Doc, asked: Asked) -> list[Evidence]:
    """'me', 'yes' (to "are you the one deciding?"), 'my boss' as answers to the authority question."""
    if not doc.clauses or len(doc.norm.split()) > 20 or doc.is_blocked(0, len(doc.norm)):
        return []
    quote = doc.quote(doc.sentences[0].start, doc.sentences[0].end)  # "me and my cofounder", whole
    if _SHARED_ANSWER.search(doc.norm):
        return [Evidence(signal=Signal.authority, quote=quote, grade="weak")]
    if _SELF_ANSWER.match(doc.norm):
        return [Evidence(signal=Signal.authority, quote=quote, grade="strong")]
    if asked.authority_yes_no:
        yes = affirmation(doc.norm)
        if yes is not None:
            return [Evidence(signal=Signal.authority, quote=quote, grade="strong" if yes else "weak")]
    return []
