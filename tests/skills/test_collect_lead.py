from datetime import UTC, datetime
from typing import Any

from agent.extraction.base import ContactFields, Extraction, IntentSignal
from skills.base import CaptureLead, ContactView, LeadView, RecordConsent, SkillContext
from skills.collect_lead import CollectLead, CollectLeadConfig
from skills.rubric import load_rubric

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)


def ctx(*, intent: bool = True, email: str | None = None, name: str | None = None, lead: bool = False,
        consent: bool | None = None, affirmation: bool | None = None, last_question: str | None = None,
        memory: dict[str, Any] | None = None) -> SkillContext:
    ex = Extraction(contact=ContactFields(email=email, name=name), intent=intent,
                    intent_signals=[IntentSignal(kind="pricing", quote="pricing")] if intent else [],
                    last_affirmation=affirmation)
    return SkillContext(
        workspace_id="ws_1", conversation_id="cv_1", channel="widget", now=NOW, text="...",
        previous_agent_text=None, extraction=ex,
        contact=ContactView("ct_1", name, email, None, None, consent),
        lead=LeadView("lead_1", "new", None, None) if lead else None,
        rubric=load_rubric("bant"), memory=memory if memory is not None else {}, busy=lambda a, b: [],
        last_question=last_question,
    )


skill = CollectLead(CollectLeadConfig())


def test_asks_for_email_when_intent_but_no_email() -> None:
    r = skill.run(ctx(name="Noor Haddad"))
    assert not r.decisions
    [q] = [s for s in r.say if s.question]
    assert q.key == "email" and "email" in q.text and q.text.startswith("Noor")


def test_no_intent_means_no_lead_and_no_questions() -> None:
    c = ctx(intent=False, email="ops@kestrel.dev")
    r = skill.run(c)
    assert not r.decisions and not r.say and not c._events


def test_captures_lead_with_intent_and_email_once() -> None:
    c = ctx(email="noor@tidemark.io")
    r = skill.run(c)
    assert any(isinstance(d, CaptureLead) for d in r.decisions)
    assert [e for e, _ in c._events] == ["lead.captured"]
    # The lead exists now: no second capture, and consent is asked explicitly.
    c2 = ctx(email="noor@tidemark.io", lead=True, memory=c.memory)
    r2 = skill.run(c2)
    assert not any(isinstance(d, CaptureLead) for d in r2.decisions) and not c2._events
    [q] = [s for s in r2.say if s.question]
    assert q.key == "consent" and q.text == CollectLeadConfig().consent_text


def test_records_consent_only_as_an_answer_to_the_consent_question() -> None:
    mem: dict[str, Any] = {}
    unrelated = skill.run(ctx(email="a@b.io", lead=True, affirmation=True, last_question="sdr_lead_qualifier:budget",
                              memory=mem))
    assert not any(isinstance(d, RecordConsent) for d in unrelated.decisions)
    r = skill.run(ctx(email="a@b.io", lead=True, affirmation=False, last_question="collect_lead:consent", memory=mem))
    [d] = [d for d in r.decisions if isinstance(d, RecordConsent)]
    assert d.granted is False and "contact details" in d.text
    again = skill.run(ctx(email="a@b.io", lead=True, memory=mem))
    assert not [s for s in again.say if s.question]  # answered: never asked again


def test_email_asks_are_spaced_and_capped() -> None:
    mem: dict[str, Any] = {}
    asked = []
    last = None
    for _ in range(8):
        r = skill.run(ctx(memory=mem, last_question=last))
        q = next((s for s in r.say if s.question), None)
        asked.append(q is not None)
        last = "collect_lead:email" if q else None
    assert sum(asked) == CollectLeadConfig().max_email_asks
    assert asked[0] and not asked[1]
