"""Closed word classes the contact rules need (English, Spanish, Portuguese, a little German).

These are function words, greetings, sign-offs, job-title vocabulary and legal-form suffixes: the
things that sit next to a name or a company and must not be taken for one. No names or companies.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that can follow "I'm" / "soy" / "we're" or open a line, and are never a person's name.
STOPWORDS: frozenset[str] = _words(
    """
    a an the this that these those it its it's i i'm im me my mine we we're our ours us you your yours
    myself yourself ourselves themselves himself herself itself
    i'd i'll i've we'd we'll we've you're you'll they're he's she's that's there's let's
    spelled spelt written pronounced called named
    trabajo trabajamos trabalho trabalhamos vivo moro gostaria queria represento llevo cuido
    he she him her his they them their there here where when what which who whom whose why how
    and or but nor so yet if then than as at by for from in into of off on onto out over to up with
    without about above after again against all also am any are be been before being below between
    both can could did do does doing down during each few further had has have having just more most
    no not now only other own same should some such too very was were will would shall may might must
    yes yeah yep yup nope ok okay okey k sure fine good great nice cool awesome perfect super excellent
    thanks thank thx ty cheers regards best kind warm sincerely yours please pls plz sorry oops wow
    hi hey hello hiya howdy greetings dear morning afternoon evening night
    glad happy excited interested curious looking trying working writing reaching calling checking
    new old back ready still currently really actually basically honestly just only also either
    done sent got gonna wanna need needs want wants like love hate think guess mean meant
    based responsible charge available busy free open late early around away home
    one two three four five six seven eight nine ten
    team teams company companies business product products plan plans pricing price demo trial
    email e-mail mail phone cell mobile number whatsapp slack website site app apps tool tools
    tel fax ph mob whats wa zap correo celular telefone teléfono telefono móvil movil contact contacto
    work personal direct office main handy telefon mobil fixo
    customer customers client clients user users people person folks guys everyone someone anyone
    today tomorrow yesterday week weeks month months year years quarter time asap soon later tonight
    weekend eod eow noon midnight christmas easter thanksgiving lunch breakfast dinner
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec q1 q2 q3 q4
    cet cest est edt pst pdt gmt utc bst cst cdt mst ist brt
    enterprise pro premium basic starter standard
    system admin administrator assistant bot ai agent test testing
    maybe perhaps probably possibly nah idk dunno skip pass anonymous anon none nothing nobody
    whatever sometime sometimes never always usually generally hmm hm um uh lol haha hehe
    phd mba cpa msc bsc pmp esq
    emea apac latam usa uk eu
    dashboards dashboard analytics report reports funnel funnels retention cohort cohorts
    hola buenas buenos gracias saludos hasta luego adios adiós sí si claro vale bueno perfecto
    yo tú tu usted nosotros nosotras ellos el él la las lo los un una unos unas de del al en con por
    para sin sobre y o pero que qué como cómo cuando donde dónde quien quién muy más menos ya aquí aqui
    soy eres es somos son estoy está estamos quiero queremos quería necesito necesitamos tengo
    tenemos busco buscamos nuevo nueva interesado interesada encargado encargada
    oi olá ola obrigado obrigada valeu tudo bem beleza bom boa dia tarde noite
    eu você voce vocês voces nós nos ele ela eles elas o os as um uma uns umas da das do dos na nas no
    em com sem mas ou pelo pela seu sua meu minha nosso nossa sou é são estou quero
    preciso precisamos tenho temos novo nova interessado interessada responsável
    """
)

# Greetings that may open a message before an introduction ("Hi there, I'm ...", "Hola, soy ...").
GREETING = (
    r"(?:(?:hi|hey|hello|hiya|howdy|good\s+(?:morning|afternoon|evening)|hola|buenas(?:\s+tardes|\s+noches)?|"
    r"buenos\s+d[ií]as|oi|ol[áa]|bom\s+dia|boa\s+tarde|boa\s+noite)"
    r"(?:\s+(?:there|team|all|everyone|folks|guys|y'?all|todos|a\s+todos|pessoal|gente))?)"
)

# Sign-offs that close an e-mail or a chat message; a name or a signature block follows.
VALEDICTION = (
    r"(?:thanks(?:\s+(?:again|so\s+much|a\s+lot|in\s+advance))?|thank\s+you(?:\s+(?:again|so\s+much))?|"
    r"many\s+thanks|thx|ty|cheers|best(?:\s+(?:regards|wishes))?|all\s+the\s+best|(?:kind|warm|warmest|"
    r"best)\s+regards|regards|rgds|br|sincerely|yours(?:\s+(?:sincerely|truly))?|respectfully|"
    r"talk\s+soon|speak\s+soon|take\s+care|cordially|"
    r"saludos(?:\s+cordiales)?|un\s+saludo|atentamente|cordialmente|(?:muchas\s+)?gracias|un\s+abrazo|abrazos|"
    r"obrigad[oa]|abra[çc]os?|atenciosamente|att|cumprimentos|grat[oa]|valeu|"
    r"mit\s+freundlichen\s+gr[üu](?:ß|ss)en|(?:viele|beste|liebe)\s+gr[üu](?:ß|ss)e|mfg|lg|"
    r"merci|bien\s+[àa]\s+vous)"
)

# Words that make a phrase a job title rather than a name ("VP Product", "Head of Growth").
TITLE_WORDS: frozenset[str] = _words(
    """
    ceo cto cfo coo cmo cpo cio cro cso cdo cco ciso chro vp svp evp avp pm tpm po
    chief head director manager lead leader founder co-founder cofounder owner president partner
    principal engineer developer analyst consultant officer executive vice senior sr sr. jr jr.
    junior staff associate assistant deputy coordinator specialist architect scientist designer
    researcher intern student recruiter secretary treasurer chair chairman chairwoman chairperson
    strategist advisor adviser administrator editor producer marketer accountant controller
    product marketing sales growth data engineering operations ops finance people hr it analytics
    insights digital revenue success support strategy design research partnerships technology tech
    security platform infrastructure brand content communications procurement legal innovation
    ecommerce e-commerce commerce performance software mobile web devops qa business development
    account accounts customer demand experience ux ui
    directora gerente jefe jefa dueño dueña fundador fundadora cofundador cofundadora socio socia
    diretor diretora sócio sócia presidente coordenador coordenadora coordinador coordinadora
    analista responsable encargado encargada
    geschäftsführer geschäftsführerin leiter leiterin inhaber inhaberin vorstand prokurist
    """
)

# The department part of a title ("VP Product"): alone it says nothing about a person's role.
DEPARTMENT_WORDS: frozenset[str] = _words(
    """
    product marketing sales growth data engineering operations ops finance people hr it analytics
    insights digital revenue success support strategy design research partnerships technology tech
    security platform infrastructure brand content communications procurement legal innovation
    ecommerce e-commerce commerce performance software mobile web devops qa business development
    account accounts customer demand experience ux ui
    """
)
ROLE_WORDS: frozenset[str] = TITLE_WORDS - DEPARTMENT_WORDS

# Legal forms and group words that end a company name ("Harrow & Finch Ltd", "Lindwurm GmbH").
COMPANY_SUFFIXES: frozenset[str] = _words(
    """
    inc inc. incorporated ltd ltd. limited llc l.l.c. llp lp plc gmbh ag kg ohg ug se s.a. sa s.l. sl
    s.a.s. sas s.r.l. srl s.p.a. spa ltda ltda. eireli s/a s.a.p.i. c.v. cv corp corp. corporation
    co co. company group holdings holding bv b.v. nv n.v. oy ab a/s aps k.k. pte pty pvt sarl
    s.à.r.l. sàrl labs studios
    """
)

# Connectors allowed inside a company name between capitalised words.
COMPANY_CONNECTORS: frozenset[str] = _words("& and of de del da do y e + für")

# Lower-case particles inside personal names ("Lotte van den Berg", "João da Silva").
NAME_PARTICLES: frozenset[str] = _words("van von der den de da das do dos del della di du la le bin ter ten")

# Common generic top-level domains; any two-letter country code is accepted as well.
GENERIC_TLDS: frozenset[str] = _words(
    """
    com org net edu gov mil int io co ai app dev info biz me tech xyz cloud shop store online site
    agency studio design digital health care finance money bank capital solutions systems services
    software network media news blog email mail page space world global group company business
    consulting marketing partners ventures team work works tools live life today one pro name mobi
    travel law legal clinic academy school university education energy farm food coffee
    fashion games art photo events expert center centre city london berlin nyc paris tokyo
    """
)

# Third persons whose contact details are not the visitor's own ("my boss", "our CTO", "mi jefe").
THIRD_PARTY_ROLE = (
    r"(?:boss|manager|colleague|co-?worker|teammate|team\s*mate|assistant|cofounder|co-founder|partner|"
    r"ceo|cto|cfo|coo|cmo|cpo|vp|director|head\s+of\s+\w+|husband|wife|friend|"
    r"jefe|jefa|colega|compañer[oa]|socio|socia|chefe|s[óo]ci[oa])"
)


def is_stopword(word: str) -> bool:
    return word.lower().replace("’", "'").strip(".") in STOPWORDS


def is_title_word(word: str) -> bool:
    return word.lower() in TITLE_WORDS


_CAMEL = re.compile(r"[a-zà-ÿ][A-ZÀ-Þ]")


def is_camel_case(word: str) -> bool:
    """'PulseFit', 'ModaViva': a brand, not a person ('McDonald' and 'O'Neil' aside)."""
    return bool(_CAMEL.search(word)) and not word.startswith(("Mc", "Mac"))
