import pytest

from agent.extraction.rules.clauses import Doc
from agent.extraction.rules.injection import injection_spans
from agent.extraction.rules.need import need_evidence
from agent.extraction.rules.questions import what_was_asked


def need(text: str, agent: str | None = None):
    d = Doc(text)
    d.blocked = injection_spans(d)
    return need_evidence(d, what_was_asked(agent))


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("We rebuilt our signup flow in September and activation went from 38% to 29%, and nobody can tell "
         "which step is losing people.", "activation went from 38% to 29%"),
        ("our onboarding funnel is leaking like crazy, 60% drop at step 3 and we dont know why",
         "60% drop at step 3"),
        ("Our churn analysis is done by hand in spreadsheets every month and it's always out of date.",
         "Our churn analysis is done by hand in spreadsheets every month"),
        ("Right now every dashboard request goes through our data team and takes 2-3 days.",
         "Right now every dashboard request goes through our data team and takes 2-3 days"),
        ("we can't attribute feature usage to plan upgrades, so we don't know which features drive revenue",
         "we can't attribute feature usage to plan upgrades"),
        ("cant see which ones actually bring people back into the app",
         "cant see which ones actually bring people back into the app"),
        ("Our customer success team only finds out an account has gone quiet when it cancels.",
         "Our customer success team only finds out an account has gone quiet when it cancels"),
        ("our churn went up from 3% to 5% this quarter", "our churn went up from 3% to 5%"),
        ("no sabemos en qué paso del checkout se van los clientes 😩",
         "no sabemos en qué paso del checkout se van los clientes"),
        ("nosso time de produto não consegue ver a retenção por coorte, hoje a gente exporta tudo pro excel",
         "nosso time de produto não consegue ver a retenção por coorte"),
        ("Aktuell wissen wir nicht, an welcher Stelle im Onboarding die Nutzer abspringen.",
         "Aktuell wissen wir nicht, an welcher Stelle im Onboarding die Nutzer abspringen"),
        ("it takes our analysts about a week to answer simple retention questions",
         "it takes our analysts about a week to answer simple retention questions"),
        ("Our PMs are flying blind on feature adoption", "Our PMs are flying blind on feature adoption"),
        ("building a simple retention report takes forever", "building a simple retention report takes forever"),
    ],
)
def test_concrete_problems_are_strong(text: str, quote: str) -> None:
    ev = need(text)[0]
    assert (ev.grade, ev.quote) == ("strong", quote)


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("we're a 12-person startup, just exploring tools for now", "just exploring tools for now"),
        ("honestly just curious how you compare to Amplitude, we're looking at a few options",
         "honestly just curious how you compare to Amplitude"),
        ("We want better analytics across the product teams, honestly.",
         "We want better analytics across the product teams"),
        ("mostly just want some nice dashboards to show the client, nothing fancy",
         "mostly just want some nice dashboards to show the client"),
        ("We're growing and might need more seats", "We're growing and might need more seats"),
        ("solo estamos mirando opciones", "solo estamos mirando opciones"),
        ("queremos melhorar nossos relatórios", "queremos melhorar nossos relatórios"),
    ],
)
def test_vague_interest_is_weak(text: str, quote: str) -> None:
    ev = need(text)[0]
    assert (ev.grade, ev.quote) == ("weak", quote)


def test_domain_answer_to_need_question_is_weak() -> None:
    q = "What would you like to track in the app?"
    assert need("just signups and stuff, something simple", q)[0].grade == "weak"
    assert need("dashboards mostly.", "Which features matter most to you?")[0].grade == "weak"


@pytest.mark.parametrize(
    "text",
    [
        "Does it include SSO?",
        "Can we import our historical Heap data?",
        "We have 40 employees and our app has 50k monthly active users.",
        "Conversion went up from 2% to 4% after the redesign",  # a rise is good news
        "Thanks, talk soon!",
        "I'd like to request the State of Product Analytics ebook",  # a content request, not a need
    ],
)
def test_no_need(text: str) -> None:
    assert need(text) == []


def test_most_specific_strong_candidate_first() -> None:
    found = need("our funnel is leaking, 60% drop at step 3 and we don't know why")
    assert found[0].quote == "60% drop at step 3"
