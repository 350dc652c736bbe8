"""Queries for the scheduled jobs (issue 5): open leads to re-score, overdue follow-ups, leads past
their stage's SLA, and what a retention policy removes. Read-only; the jobs write through leads,
routing and erasure functions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Activity, Contact, Conversation, Lead, Message, PipelineStage, Workspace


def active_workspace_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Workspace.id).where(Workspace.active.is_(True)).order_by(Workspace.id)))


def _open_leads(workspace_id: str):  # type: ignore[no-untyped-def]
    return (select(Lead).join(PipelineStage, PipelineStage.id == Lead.stage_id)
            .where(Lead.workspace_id == workspace_id, Lead.deleted_at.is_(None), PipelineStage.outcome == "open"))


def scored_leads_with_conversation(session: Session, workspace_id: str) -> list[tuple[Lead, Conversation]]:
    """Open (non-terminal, live), scored leads with the conversation they were last scored from:
    the contact's most recent one. Leads added by hand have none and keep their score."""
    latest = (select(Conversation.contact_id, func.max(Conversation.last_message_at).label("at"))
              .where(Conversation.workspace_id == workspace_id).group_by(Conversation.contact_id).subquery())
    stmt = (_open_leads(workspace_id).where(Lead.score.is_not(None))
            .join(latest, latest.c.contact_id == Lead.contact_id)
            .join(Conversation, and_(Conversation.contact_id == Lead.contact_id,
                                     Conversation.last_message_at == latest.c.at))
            .add_columns(Conversation).order_by(Lead.id))
    out: dict[str, tuple[Lead, Conversation]] = {}
    for lead, conv in session.execute(stmt):
        out.setdefault(lead.id, (lead, conv))  # two conversations with the same last time: one is enough
    return list(out.values())


def visitor_message_dates(session: Session, conversation_id: str) -> list[date]:
    """The day each visitor message was received, by its index in the conversation (the
    `message_index` of extraction evidence)."""
    rows = session.scalars(select(Message.created_at).where(Message.conversation_id == conversation_id,
                                                            Message.role == "visitor").order_by(Message.id))
    return [at.date() for at in rows]


def overdue_follow_ups(session: Session, workspace_id: str, now: datetime) -> list[Lead]:
    return list(session.scalars(_open_leads(workspace_id).where(Lead.next_follow_up_at < now)
                                .order_by(Lead.next_follow_up_at, Lead.id)))


def stage_stays_past_sla(session: Session, workspace_id: str,
                         now: datetime) -> list[tuple[Lead, PipelineStage, datetime]]:
    """Open leads that have been in a stage with `sla_days` for longer than that, with the time
    they entered it: their last stage change, or their capture if they never moved."""
    entered = (select(Activity.lead_id, func.max(Activity.created_at).label("at"))
               .where(Activity.workspace_id == workspace_id, Activity.kind == "stage_change")
               .group_by(Activity.lead_id).subquery())
    stmt = (select(Lead, PipelineStage, entered.c.at)
            .join(PipelineStage, PipelineStage.id == Lead.stage_id)
            .outerjoin(entered, entered.c.lead_id == Lead.id)
            .where(Lead.workspace_id == workspace_id, Lead.deleted_at.is_(None), PipelineStage.outcome == "open",
                   PipelineStage.sla_days.is_not(None))
            .order_by(Lead.id))
    out = []
    for lead, stage, moved_at in session.execute(stmt):
        since = moved_at or lead.captured_at
        if (now - since).total_seconds() > stage.sla_days * 86400:
            out.append((lead, stage, since))
    return out


def leads_inactive_since(session: Session, workspace_id: str, cutoff: datetime) -> list[Lead]:
    """Live leads (any stage) with no activity since `cutoff`: a retention policy erases them."""
    return list(session.scalars(select(Lead).where(Lead.workspace_id == workspace_id, Lead.deleted_at.is_(None),
                                                   Lead.last_activity_at < cutoff).order_by(Lead.id)))


def leadless_contacts_inactive_since(session: Session, workspace_id: str, cutoff: datetime) -> list[str]:
    """Contacts that never became a lead, still holding personal data, quiet since `cutoff`."""
    last_talk = (select(Conversation.contact_id, func.max(Conversation.last_message_at).label("at"))
                 .where(Conversation.workspace_id == workspace_id).group_by(Conversation.contact_id).subquery())
    has_lead = select(Lead.id).where(Lead.contact_id == Contact.id).exists()
    holds_data = or_(Contact.name.is_not(None), Contact.email_bidx.is_not(None), Contact.phone_bidx.is_not(None),
                     last_talk.c.at.is_not(None))
    stmt = (select(Contact.id).outerjoin(last_talk, last_talk.c.contact_id == Contact.id)
            .where(Contact.workspace_id == workspace_id, Contact.merged_into_id.is_(None), ~has_lead, holds_data,
                   Contact.created_at < cutoff, or_(last_talk.c.at.is_(None), last_talk.c.at < cutoff))
            .order_by(Contact.id))
    return list(session.scalars(stmt))
