from datetime import UTC, datetime
from typing import Any

from agent.extraction.base import Evidence, Extraction, IntentSignal, Signal
from skills.base import ContactView, HotLeadRule, LeadView, RecordScore, RouteHotLead, SkillContext
from skills.rubric import load_rubric
from skills.sdr_lead_qualifier import QualifierConfig, SdrLeadQualifier

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
RUBRIC = load_rubric("bant")


def ev(signal: Signal, quote: str, grade: str = "strong", **kw: Any) -> Evidence:
    return Evidence(signal=signal, quote=quote, grade=grade, **kw)  # type: ignore[arg-type]


def ctx(evidence: list[Evidence], *, lead_score: int | None = None, lead: bool = True, intent: bool = True,
        memory: dict[str, Any] | None = None, last_question: str | None = None) -> SkillContext:
    by_signal: dict[Signal, list[Evidence]] = {s: [] for s in Signal}
    for e in evidence:
        by_signal[e.signal].append(e)
    ex = Extraction(intent=intent, evidence=by_signal,
                    intent_signals=[IntentSignal(kind="demo", quote="demo")] if intent else [])
    return SkillContext(
        workspace_id="ws_1", conversation_id="cv_1", channel="widget", now=NOW, text="...", previous_agent_text=None,
        extraction=ex, contact=ContactView("ct_1", None, "a@b.io", None, None, None),
        lead=LeadView("lead_1", "new", lead_score, None) if lead else None, rubric=RUBRIC,
        memory=memory if memory is not None else {}, busy=lambda a, b: [], last_question=last_question,
    )


skill = SdrLeadQualifier(QualifierConfig())
HOT = [
    ev(Signal.budget, "$30k a year", yearly_amount=30000, currency="USD"),
    ev(Signal.authority, "I sign off"),
    ev(Signal.need, "we can't see where users drop off"),
    ev(Signal.timing, "this quarter", within_days=40),
]


def test_scores_from_evidence_and_records_on_change_only() -> None:
    mem: dict[str, Any] = {}
    c = ctx(HOT[:2], memory=mem)
    r = skill.run(c)
    [d] = [d for d in r.decisions if isinstance(d, RecordScore)]
    assert d.card.score == 50 and d.card.dimensions["budget"].evidence == "$30k a year"
    assert [e for e, _ in c._events] == ["lead.score_changed"]
    same = skill.run(ctx(HOT[:2], lead_score=50, memory=mem))
    assert not [d for d in same.decisions if isinstance(d, RecordScore)]


def test_crossing_the_hot_threshold_emits_qualified_once() -> None:
    mem: dict[str, Any] = {}
    c = ctx(HOT, lead_score=50, memory=mem)
    r = skill.run(c)
    assert [d.card.score for d in r.decisions if isinstance(d, RecordScore)] == [100]
    no_actions = {"slack_alert": False, "crm_flag": False, "tag_hot": False, "offer_demo": False}
    assert ("lead.qualified", {"score": 100, "band": "hot", "threshold": 80, "routing": no_actions}) in c._events
    c2 = ctx([*HOT, ev(Signal.need, "also retention", grade="weak")], lead_score=100, memory=mem)
    skill.run(c2)
    assert "lead.qualified" not in [e for e, _ in c2._events]


def test_the_workspace_rule_sets_threshold_and_actions() -> None:
    rule = HotLeadRule(threshold=60, slack_alert=False)
    c = ctx(HOT[:3], lead_score=10)  # 25 + 25 + 25 = 75: hot only by the rule's 60
    c.hot_lead = rule
    r = skill.run(c)
    [route] = [d for d in r.decisions if isinstance(d, RouteHotLead)]
    assert (route.hot, route.score, route.threshold, route.tag, route.crm_flag) == (True, 75, 60, True, True)
    [(_, data)] = [e for e in c._events if e[0] == "lead.qualified"]
    assert data["threshold"] == 60 and data["routing"]["slack_alert"] is False
    # Falling back below the threshold undoes the routing; no lead.qualified for a drop.
    down = ctx(HOT[:1], lead_score=75)
    down.hot_lead = rule
    [route] = [d for d in skill.run(down).decisions if isinstance(d, RouteHotLead)]
    assert route.hot is False and "lead.qualified" not in [e for e, _ in down._events]
    # Above 60 but below the rubric's 80: without the rule it is not hot.
    plain = ctx(HOT[:3], lead_score=10)
    assert not [d for d in skill.run(plain).decisions if isinstance(d, RouteHotLead)]


def test_no_lead_no_record_but_still_asks() -> None:
    r = skill.run(ctx([], lead=False))
    assert not r.decisions
    [q] = [s for s in r.say if s.question]
    assert q.key in {"budget", "authority", "need", "timing"}


def test_asks_the_next_unknown_dimension_and_does_not_repeat() -> None:
    mem: dict[str, Any] = {}
    r1 = skill.run(ctx([], memory=mem))
    q1 = next(s for s in r1.say if s.question)
    # Answered: the next question may come at once, and never the same one again.
    answered = [e for e in HOT if e.signal.value == q1.key]
    r2 = skill.run(ctx(answered, memory=mem, last_question=f"sdr_lead_qualifier:{q1.key}"))
    q2 = next(s for s in r2.say if s.question)
    assert q2.key != q1.key
    # Not answered: give the visitor a turn before asking anything else.
    r3 = skill.run(ctx(answered, memory=mem, last_question=f"sdr_lead_qualifier:{q2.key}"))
    assert not [s for s in r3.say if s.question]


def test_no_questions_without_intent_or_when_all_known() -> None:
    assert not skill.run(ctx([], intent=False)).say
    assert not [s for s in skill.run(ctx(HOT, lead_score=100)).say if s.question]
