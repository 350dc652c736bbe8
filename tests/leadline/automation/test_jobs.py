"""The scheduled jobs one by one: overdue follow-up reminders, SLA escalation once per stay,
nurture on entering an auto-nurture stage, and the retention purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from leadline.automation import reminders, sla
from leadline.automation.scheduler import JOBS, Job, JobContext, Schedule, run_due_jobs
from storage import contacts, conversations, leads
from storage.db import unit_of_work
from storage.models import Activity, Contact, Conversation, Lead, Message
from storage.workspaces import stage_by_key

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
BY_NAME = {j.name: j for j in JOBS}


def only(name: str) -> tuple[Any, ...]:
    return (BY_NAME[name],)


def make_lead(runtime: Any, ws: str, email: str, *, at: datetime = T0, owner: str | None = "rep@acme.io",
              follow_up: datetime | None = None, stage: str | None = None) -> str:
    with unit_of_work(runtime.sessions) as s:
        c = contacts.contact_for_identity(s, ws, "widget", f"visitor-{email}")
        c = contacts.set_contact_fields(s, c, name="Jane Roe", email=email)
        conv = conversations.conversation_for_thread(s, ws, c.id, "widget", f"thread-{email}")
        conversations.add_message(s, conv, "visitor", f"pricing please, {email}", at=at)
        lead = leads.create_lead(s, ws, c.id, source="website", channel="widget", at=at)
        lead.owner, lead.next_follow_up_at = owner, follow_up
        if stage:
            leads.move_stage(s, lead, stage, actor="test", at=at)
        return lead.id


def set_stage(runtime: Any, ws: str, key: str, **fields: Any) -> None:
    with unit_of_work(runtime.sessions) as s:
        stage = stage_by_key(s, ws, key)
        for k, v in fields.items():
            setattr(stage, k, v)


def test_overdue_follow_ups_are_reminded_daily_at_8(runtime, make_workspace, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    late = make_lead(runtime, ws, "late@x.io", follow_up=datetime(2026, 11, 20, 10, tzinfo=UTC))
    make_lead(runtime, ws, "soon@x.io", follow_up=datetime(2026, 11, 30, 10, tzinfo=UTC))
    make_lead(runtime, ws, "won@x.io", follow_up=datetime(2026, 11, 20, 10, tzinfo=UTC), stage="closed_won")
    day = datetime(2026, 11, 23, 8, 0, 30, tzinfo=UTC)
    assert run_due_jobs(runtime, day, jobs=only("follow_up_reminders"))
    [evt] = events("lead.follow_up_overdue")
    assert evt["lead_id"] == late and evt["data"]["owner"] == "rep@acme.io" and evt["data"]["overdue_days"] == 2
    run_due_jobs(runtime, day + timedelta(hours=5), jobs=only("follow_up_reminders"))
    assert len(events("lead.follow_up_overdue")) == 1  # once a day
    run_due_jobs(runtime, day + timedelta(days=1), jobs=only("follow_up_reminders"))
    assert len(events("lead.follow_up_overdue")) == 2  # still overdue the next day


def test_a_stay_past_the_stage_sla_is_escalated_once(runtime, make_workspace, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    set_stage(runtime, ws, "contacted", sla_days=2)
    lead = make_lead(runtime, ws, "slow@x.io", stage="contacted", at=T0)
    make_lead(runtime, ws, "fresh@x.io", stage="contacted", at=T0 + timedelta(days=2))
    make_lead(runtime, ws, "new@x.io", at=T0)  # "new" has no SLA
    run_due_jobs(runtime, T0 + timedelta(days=1, hours=23), jobs=only("sla_escalation"))
    assert events("lead.sla_breached") == []  # not over two days yet
    run_due_jobs(runtime, T0 + timedelta(days=3), jobs=only("sla_escalation"))
    [evt] = events("lead.sla_breached")
    assert evt["lead_id"] == lead and evt["data"]["stage"] == "contacted" and evt["data"]["days_in_stage"] == 3
    with runtime.sessions() as s:
        acts = s.scalars(select(Activity).where(Activity.lead_id == lead, Activity.kind == "system")).all()
        assert [a.summary for a in acts] == ["Escalated: 3 days in Contacted, over its SLA of 2 days"]
    for hours in (1, 30):  # later runs over the same stay do nothing
        run_due_jobs(runtime, T0 + timedelta(days=3, hours=hours), jobs=only("sla_escalation"))
    assert len(events("lead.sla_breached", lead_id=lead)) == 1
    # Leaving and coming back starts a new stay.
    with unit_of_work(runtime.sessions) as s:
        row = s.get(Lead, lead)
        leads.move_stage(s, row, "qualified", actor="test", at=T0 + timedelta(days=5))
        leads.move_stage(s, row, "contacted", actor="test", at=T0 + timedelta(days=5, hours=1))
    run_due_jobs(runtime, T0 + timedelta(days=8), jobs=only("sla_escalation"))
    assert len(events("lead.sla_breached", lead_id=lead)) == 2


def test_sla_scans_before_its_run_and_skips_a_lead_that_moved_on(runtime, make_workspace, events) -> None:  # type: ignore[no-untyped-def]
    """The scan is the job's plan, outside the claim's transaction (on SQLite the run holds the one
    write lock, which the stage move written in between would otherwise wait for); the run only
    writes what the plan found, and a stay that ended meanwhile is not escalated."""
    assert BY_NAME["sla_escalation"].plan is sla.plan
    ws = make_workspace()
    set_stage(runtime, ws, "contacted", sla_days=2)
    stays = make_lead(runtime, ws, "stays@x.io", stage="contacted", at=T0)
    moves = make_lead(runtime, ws, "moves@x.io", stage="contacted", at=T0)
    unplanned = make_lead(runtime, ws, "next-hour@x.io", stage="contacted", at=T0)

    def plan_then_one_moves_on(ctx: JobContext) -> Any:
        found = sla.plan(ctx)
        assert {f.lead_id for f in found} == {stays, moves, unplanned}
        with unit_of_work(runtime.sessions) as s:
            leads.move_stage(s, s.get(Lead, moves), "qualified", actor="test", at=ctx.now)
        return [f for f in found if f.lead_id != unplanned]  # as if it crossed its SLA after the scan

    job = Job("sla_escalation", Schedule("hour"), sla.run, plan=plan_then_one_moves_on)
    assert run_due_jobs(runtime, T0 + timedelta(days=3), jobs=(job,))
    assert [e["lead_id"] for e in events("lead.sla_breached")] == [stays]


def test_reminders_scan_before_their_run_and_skip_a_rescheduled_follow_up(runtime, make_workspace, events) -> None:  # type: ignore[no-untyped-def]
    assert BY_NAME["follow_up_reminders"].plan is reminders.plan
    ws = make_workspace()
    late = make_lead(runtime, ws, "late@x.io", follow_up=datetime(2026, 11, 20, 10, tzinfo=UTC))
    moved = make_lead(runtime, ws, "moved@x.io", follow_up=datetime(2026, 11, 21, 10, tzinfo=UTC))
    unplanned = make_lead(runtime, ws, "unplanned@x.io", follow_up=datetime(2026, 11, 22, 10, tzinfo=UTC))

    def plan_then_one_is_rescheduled(ctx: JobContext) -> Any:
        found = reminders.plan(ctx)
        assert [f.lead_id for f in found] == [late, moved, unplanned]
        with unit_of_work(runtime.sessions) as s:
            s.get(Lead, moved).next_follow_up_at = datetime(2026, 11, 30, 10, tzinfo=UTC)
        return found[:2]  # the run writes what the plan found, and scans nothing itself

    job = Job("follow_up_reminders", Schedule("day", 8), reminders.run, plan=plan_then_one_is_rescheduled)
    assert run_due_jobs(runtime, datetime(2026, 11, 23, 8, 0, 30, tzinfo=UTC), jobs=(job,))
    assert [e["lead_id"] for e in events("lead.follow_up_overdue")] == [late]


def test_entering_an_auto_nurture_stage_emits_nurture_once_per_entry(runtime, make_workspace, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    set_stage(runtime, ws, "contacted", auto_nurture=True)
    lead = make_lead(runtime, ws, "n@x.io", owner="rep@acme.io")
    at = T0 + timedelta(days=1)
    with unit_of_work(runtime.sessions) as s:
        row = s.get(Lead, lead)
        leads.move_stage(s, row, "contacted", actor="test", at=at)
        assert leads.move_stage(s, row, "contacted", actor="test", at=at) is None  # already there: nothing
    [evt] = events("lead.nurture")
    assert evt["lead_id"] == lead and evt["data"] == {"stage": "contacted", "stage_name": "Contacted",
                                                      "owner": "rep@acme.io"}
    with unit_of_work(runtime.sessions) as s:
        row = s.get(Lead, lead)
        leads.move_stage(s, row, "qualified", actor="test", at=at)
        leads.move_stage(s, row, "contacted", actor="test", at=at)
    assert len(events("lead.nurture")) == 2
    assert [e["data"]["to"] for e in events("lead.stage_changed")] == ["contacted", "qualified", "contacted"]
    set_stage(runtime, ws, "new", auto_nurture=True)  # a lead captured into a nurture stage enters it too
    fresh = make_lead(runtime, ws, "fresh@x.io")
    assert events("lead.nurture")[-1]["lead_id"] == fresh and len(events("lead.nurture")) == 3


def test_opportunity_and_demo_stages_emit_their_events(runtime, make_workspace, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    lead = make_lead(runtime, ws, "o@x.io", stage="demo_booked")
    with unit_of_work(runtime.sessions) as s:
        leads.move_stage(s, s.get(Lead, lead), "opportunity", actor="user:1", at=T0)
    assert [e["data"]["to"] for e in events("lead.demo_booked")] == ["demo_booked"]
    [opp] = events("lead.opportunity")
    assert opp["data"] == {"from": "demo_booked", "to": "opportunity", "actor": "user:1"}


def test_retention_erases_what_was_inactive_too_long(runtime, make_workspace, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(retention_days=30)
    keep_all = make_workspace("No policy")
    old = make_lead(runtime, ws, "old@x.io", at=T0)
    recent = make_lead(runtime, ws, "recent@x.io", at=T0 + timedelta(days=25))
    untouched = make_lead(runtime, keep_all, "old@x.io", at=T0)
    with unit_of_work(runtime.sessions) as s:  # a visitor who never became a lead
        c = contacts.contact_for_identity(s, ws, "widget", "quiet-visitor")
        c.created_at = T0
        conv = conversations.conversation_for_thread(s, ws, c.id, "widget", "quiet-thread")
        conv.last_message_at = T0
        conversations.add_message(s, conv, "visitor", "just looking, I'm Bob", at=T0)
        quiet = c.id
    ran = run_due_jobs(runtime, T0 + timedelta(days=40, hours=-7), jobs=only("retention_purge"))
    assert len(ran) == 2
    with runtime.sessions() as s:
        gone, kept, other = s.get(Lead, old), s.get(Lead, recent), s.get(Lead, untouched)
        assert gone.deleted_at is not None and s.get(Contact, gone.contact_id).email is None
        assert kept.deleted_at is None and s.get(Contact, kept.contact_id).email == "recent@x.io"
        assert other.deleted_at is None
        assert s.scalars(select(Conversation).where(Conversation.contact_id == quiet)).all() == []
        assert s.scalars(select(Message).where(Message.workspace_id == ws)).all() != []  # recent@'s message
    [erased] = events("lead.erased")
    assert erased["lead_id"] == old and erased["data"]["reason"] == "retention"

