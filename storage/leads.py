"""Leads: creation, scores, stages, activities and demo bookings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.direct import DirectStatement, insert_now
from storage.ids import new_id
from storage.lead_events import enqueue_lead_event
from storage.models import Activity, Booking, Lead, LeadScore, PipelineStage
from storage.workspaces import stage_by_key

_LEAD_FOR_CONTACT = select(Lead).where(Lead.contact_id == bindparam("contact"), Lead.deleted_at.is_(None))


def lead_for_contact(session: Session, contact_id: str) -> Lead | None:
    return session.scalar(_LEAD_FOR_CONTACT, {"contact": contact_id})


def create_lead(session: Session, workspace_id: str, contact_id: str, *, source: str, channel: str | None,
                at: datetime, actor: str = "agent") -> Lead:
    stage = stage_by_key(session, workspace_id, "new")
    lead = Lead(id=new_id("lead"), workspace_id=workspace_id, contact_id=contact_id, stage_id=stage.id,
                source=source, channel=channel, captured_at=at, last_activity_at=at, tags=[], crm_ids={})
    insert_now(session, lead)  # before rows that reference it: there are no ORM relationships to order the inserts
    add_activity(session, lead, "agent_action", "Lead captured", actor=actor, at=at,
                 data={"source": source, "channel": channel})
    if stage.auto_nurture:  # entering the first stage counts too (SPEC R3)
        _nurture(session, lead, stage, at=at, conversation_id=None)
    return lead


def add_activity(session: Session, lead: Lead, kind: str, summary: str, *, actor: str = "system",
                 at: datetime, data: dict[str, Any] | None = None) -> Activity:
    act = Activity(workspace_id=lead.workspace_id, lead_id=lead.id, kind=kind, summary=summary,
                   actor=actor, data=data or {}, created_at=at)
    insert_now(session, act)  # agent turns add these: a direct statement (`storage.direct`)
    lead.last_activity_at = at
    return act


def record_score(session: Session, lead: Lead, *, rubric: str, score: int, band: str,
                 breakdown: dict[str, Any], reason: str, at: datetime) -> LeadScore:
    """Insert an immutable score record (SPEC S5) and make it the lead's current score."""
    row = LeadScore(workspace_id=lead.workspace_id, lead_id=lead.id, rubric=rubric, score=score, band=band,
                    breakdown=breakdown, reason=reason, created_at=at)
    insert_now(session, row)  # agent turns add these: a direct statement (`storage.direct`)
    lead.score, lead.band = score, band
    return row


def latest_score(session: Session, lead_id: str) -> LeadScore | None:
    return session.scalar(
        select(LeadScore).where(LeadScore.lead_id == lead_id).order_by(LeadScore.id.desc()).limit(1)
    )


def score_history(session: Session, lead_id: str) -> list[LeadScore]:
    return list(session.scalars(select(LeadScore).where(LeadScore.lead_id == lead_id).order_by(LeadScore.id)))


def stage_of(session: Session, lead: Lead) -> PipelineStage:
    stage = session.get(PipelineStage, lead.stage_id)
    assert stage is not None
    return stage


_stage_keys: dict[str, str] = {}  # stage id -> key; a stage's key never changes, so this is safe to keep


def stage_key(session: Session, stage_id: str) -> str:
    key = _stage_keys.get(stage_id)
    if key is None:
        stage = session.get(PipelineStage, stage_id)
        assert stage is not None
        key = _stage_keys[stage_id] = stage.key
    return key


# Entering these stages is an event of its own (SPEC R2), besides `lead.stage_changed`.
STAGE_ENTRY_EVENTS = {"demo_booked": "lead.demo_booked", "opportunity": "lead.opportunity"}


def move_stage(session: Session, lead: Lead, stage_key: str, *, actor: str, at: datetime, reason: str = "",
               conversation_id: str | None = None, data: dict[str, Any] | None = None) -> tuple[str, str] | None:
    """Move a lead, write the stage-change activity (SPEC P3) and queue its events: always
    `lead.stage_changed`; `lead.demo_booked` / `lead.opportunity` on entering those stages (with
    `data`, e.g. the booked slot); `lead.nurture` on entering an auto-nurture stage (SPEC R3).
    Every mover (API, bulk, agent, Calendly, jobs) comes through here, so each is written once.
    None when the lead is already in that stage: nothing is written."""
    old = stage_of(session, lead)
    new = stage_by_key(session, lead.workspace_id, stage_key)
    if old.id == new.id:
        return None
    lead.stage_id = new.id
    summary = f"Stage changed from {old.name} to {new.name}" + (f": {reason}" if reason else "")
    add_activity(session, lead, "stage_change", summary, actor=actor, at=at,
                 data={"from": old.key, "to": new.key})
    change = {"from": old.key, "to": new.key, "actor": actor, **({"reason": reason} if reason else {})}
    enqueue_lead_event(session, lead, "lead.stage_changed", at=at, conversation_id=conversation_id, data=change)
    entry = STAGE_ENTRY_EVENTS.get(new.key)
    if entry is not None:
        enqueue_lead_event(session, lead, entry, at=at, conversation_id=conversation_id,
                           data={**change, **(data or {})})
    if new.auto_nurture:
        _nurture(session, lead, new, at=at, conversation_id=conversation_id)
    return old.key, new.key


def _nurture(session: Session, lead: Lead, stage: PipelineStage, *, at: datetime, conversation_id: str | None) -> None:
    enqueue_lead_event(session, lead, "lead.nurture", at=at, conversation_id=conversation_id,
                       data={"stage": stage.key, "stage_name": stage.name, "owner": lead.owner})


def book_demo(session: Session, lead: Lead, *, start: datetime, end: datetime, timezone: str) -> Booking:
    booking = Booking(workspace_id=lead.workspace_id, lead_id=lead.id, start_at=start, end_at=end,
                      timezone=timezone)
    session.add(booking)
    return booking


def cancel_booking(session: Session, lead: Lead, *, start: datetime) -> int:
    """Free the lead's booked slot starting at `start` (a cancellation from the scheduling tool)."""
    rows = session.scalars(select(Booking).where(Booking.lead_id == lead.id, Booking.start_at == start,
                                                 Booking.status == "booked")).all()
    for booking in rows:
        booking.status = "canceled"
    return len(rows)


# A direct statement (`storage.direct`): every demo offer asks.
_BUSY = DirectStatement(select(Booking.start_at, Booking.end_at).where(
    Booking.workspace_id == bindparam("ws"),
    Booking.status == "booked",
    Booking.end_at > bindparam("start"),
    Booking.start_at < bindparam("end"),
))


def busy_intervals(session: Session, workspace_id: str, start: datetime,
                   end: datetime) -> list[tuple[datetime, datetime]]:
    return [(s, e) for s, e in _BUSY.rows(session, {"ws": workspace_id, "start": start, "end": end})]
