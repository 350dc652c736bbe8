"""The daily 03:00 re-score (SPEC S6): timing evidence ages, a changed score is a new immutable
record with reason "rescore" and its events, and the hot-lead rule is applied as in a turn."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from agent.extraction.base import Evidence, Extraction, Signal
from leadline.automation import rescore
from leadline.automation.scheduler import JOBS, Job, JobContext, Schedule, run_due_jobs
from skills.rubric import load_rubric
from storage import leads
from storage.db import unit_of_work
from storage.models import Lead, LeadScore
from storage.routing import crm_hot_flags

RESCORE = tuple(j for j in JOBS if j.name == "rescore")


def at_three(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, 10, tzinfo=UTC)


def test_timing_said_long_ago_no_longer_counts_as_soon() -> None:
    bant = load_rubric("bant")
    said = Evidence(signal=Signal.timing, quote="next month", grade="strong", within_days=30, message_index=1)
    ex = Extraction(evidence={Signal.timing: [said]})
    day = date(2026, 9, 1)
    assert bant.evaluate(ex).dimensions["timing"].level == "strong"
    assert bant.evaluate(ex, as_of=day + timedelta(days=20), said_on=[day, day]).dimensions["timing"].level == "strong"
    aged = bant.evaluate(ex, as_of=day + timedelta(days=60), said_on=[day, day])
    assert aged.dimensions["timing"].level == "weak" and aged.dimensions["timing"].points == 12
    # Without the day it was said (an index we have no date for), the evidence is taken as said today.
    assert bant.evaluate(ex, as_of=day + timedelta(days=60), said_on=[day]).dimensions["timing"].level == "strong"


def test_rescore_ages_timing_and_records_a_new_score(runtime, make_workspace, talk, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    last = talk(ws)[-1]
    assert last.score == 100
    start = date(2026, 11, 23)
    run_due_jobs(runtime, at_three(start + timedelta(days=1)), jobs=RESCORE)
    with runtime.sessions() as s:  # a day later nothing changed: no new record
        assert [r.reason for r in s.scalars(select(LeadScore).where(LeadScore.lead_id == last.lead_id))][-1] \
            == "conversation"
    later = at_three(start + timedelta(days=60))
    assert run_due_jobs(runtime, later, jobs=RESCORE) == [f"rescore:{later.date()}:{ws}"]
    with runtime.sessions() as s:
        lead = s.get(Lead, last.lead_id)
        newest = s.scalars(select(LeadScore).where(LeadScore.lead_id == lead.id).order_by(LeadScore.id)).all()[-1]
        assert (newest.reason, newest.score, lead.score) == ("rescore", 87, 87)
        assert newest.breakdown["timing"]["level"] == "weak" and newest.created_at == later
        assert lead.tags == ["hot"]  # 87 is still hot at 80
    changed = events("lead.score_changed")[-1]
    assert changed["data"] == {"from": 100, "to": 87, "band": "hot", "reason": "rescore"}
    assert changed["conversation_id"] == last.conversation_id
    assert len(events("lead.qualified")) == 1  # from the turn only
    n = len(events("lead.score_changed"))
    run_due_jobs(runtime, later + timedelta(days=1), jobs=RESCORE)
    assert len(events("lead.score_changed")) == n
    with runtime.sessions() as s:  # the same aged score the next day: nothing new
        assert len(s.scalars(select(LeadScore).where(LeadScore.reason == "rescore")).all()) == 1


def test_falling_below_the_rule_threshold_undoes_the_routing(runtime, make_workspace, talk) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(automation={"hot_lead": {"threshold": 90}})
    last = talk(ws)[-1]
    with runtime.sessions() as s:
        assert s.get(Lead, last.lead_id).tags == ["hot"] and crm_hot_flags(s, [last.lead_id])
    run_due_jobs(runtime, at_three(date(2026, 11, 23) + timedelta(days=60)), jobs=RESCORE)
    with runtime.sessions() as s:
        lead = s.get(Lead, last.lead_id)
        assert lead.score == 87 and lead.tags == [] and crm_hot_flags(s, [lead.id]) == {}


def test_closed_and_unscored_leads_are_not_rescored(runtime, make_workspace, talk) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    last = talk(ws)[-1]
    talk(ws, ["just browsing"], who="anon")  # a contact, no lead
    with unit_of_work(runtime.sessions) as s:
        leads.move_stage(s, s.get(Lead, last.lead_id), "closed_lost", actor="test", at=datetime.now(UTC))
    run_due_jobs(runtime, at_three(date(2026, 11, 23) + timedelta(days=60)), jobs=RESCORE)
    with runtime.sessions() as s:
        assert s.get(Lead, last.lead_id).score == 100


def test_leads_are_scored_before_the_run_takes_the_write_lock(runtime, make_workspace, talk, hot_talk) -> None:  # type: ignore[no-untyped-def]
    """The scan runs before the claim's transaction (on SQLite the one writer lock is held from a
    transaction's first write to its end, so webhooks and turns would wait out the whole scan). A
    lead a turn scores in between keeps the turn's newer score."""
    ws = make_workspace()
    first = talk(ws, who="v1")[-1]
    second = talk(ws, [line.replace("maria@", "omar@") for line in hot_talk], who="v2")[-1]
    planned: list[Any] = []

    def plan_then_a_turn_scores_one(ctx: JobContext) -> Any:
        found = rescore.plan(ctx)
        planned.append(found)
        # A turn of the second visitor changes its score meanwhile. On SQLite this write could not
        # happen if the scan ran inside the claim's transaction: this thread would hold the lock.
        with unit_of_work(runtime.sessions) as s:
            leads.record_score(s, s.get(Lead, second.lead_id), rubric="bant", score=55, band="warm", breakdown={},
                               reason="conversation", at=ctx.now)
        return found

    job = Job("rescore", Schedule("day", 3), rescore.run, plan=plan_then_a_turn_scores_one)
    run_due_jobs(runtime, at_three(date(2026, 11, 23) + timedelta(days=60)), jobs=(job,))
    checked, changes = planned[0]
    assert checked == 2 and {c.lead_id for c in changes} == {first.lead_id, second.lead_id}
    with runtime.sessions() as s:
        assert s.get(Lead, first.lead_id).score == 87  # re-scored
        assert s.get(Lead, second.lead_id).score == 55  # the turn's score stands
        assert [r.lead_id for r in s.scalars(select(LeadScore).where(LeadScore.reason == "rescore"))] \
            == [first.lead_id]
