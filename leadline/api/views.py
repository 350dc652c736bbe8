"""Turning stored rows into API models, and the lead snapshots the audit log keeps."""

from __future__ import annotations

from typing import Any

from leadline.api.schemas import (
    ActivityOut,
    ConsentOut,
    DimensionOut,
    LeadDetail,
    LeadOut,
    MessageOut,
    ScoreHistoryOut,
    ScoreOut,
)
from storage import lead_queries
from storage.leads import score_history
from storage.models import Contact, Lead, LeadScore
from storage.sessions import Session

# Lead fields a PATCH may change, as the audit log records them.
PATCHABLE = ("stage", "tags", "owner", "deal_value_cents", "next_follow_up_at", "notes")


def stage_keys(session: Session, workspace_id: str) -> dict[str, str]:
    return {s.id: s.key for s in lead_queries.stages(session, workspace_id)}


def lead_out(lead: Lead, contact: Contact, keys: dict[str, str]) -> LeadOut:
    return LeadOut(
        id=lead.id, contact_id=contact.id, name=contact.name, email=contact.email, phone=contact.phone,
        company=contact.company, title=contact.title, company_size=lead.company_size,
        deal_value_cents=lead.deal_value_cents, stage=keys[lead.stage_id], score=lead.score, band=lead.band,
        tags=list(lead.tags or []), owner=lead.owner, source=lead.source, channel=lead.channel,
        captured_at=lead.captured_at, last_activity_at=lead.last_activity_at,
        next_follow_up_at=lead.next_follow_up_at, crm_sync_status=lead.crm_sync_status,
        crm_ids=dict(lead.crm_ids or {}),
    )


def _score_out(row: LeadScore) -> ScoreOut:
    dims = []
    for key, d in (row.breakdown or {}).items():
        if isinstance(d, dict):
            dims.append(DimensionOut(key=d.get("key", key), label=d.get("label", key), level=d.get("level", "none"),
                                     points=int(d.get("points", 0)), quote=d.get("evidence")))
    return ScoreOut(rubric=row.rubric, score=row.score, band=row.band, reason=row.reason, scored_at=row.created_at,
                    dimensions=dims)


def lead_detail(session: Session, lead: Lead, contact: Contact, keys: dict[str, str]) -> LeadDetail:
    history = score_history(session, lead.id)
    return LeadDetail(
        **lead_out(lead, contact, keys).model_dump(),
        notes=lead.notes,
        score_breakdown=_score_out(history[-1]) if history else None,
        score_history=[ScoreHistoryOut(score=s.score, band=s.band, rubric=s.rubric, reason=s.reason,
                                       scored_at=s.created_at) for s in history],
        transcript=[MessageOut(conversation_id=c.id, channel=m.channel, role=m.role, text=m.text, at=m.created_at)
                    for m, c in lead_queries.transcript_for_contact(session, contact.id)],
        timeline=[ActivityOut(id=a.id, kind=a.kind, summary=a.summary, actor=a.actor, data=a.data or {},
                              at=a.created_at) for a in lead_queries.timeline(session, lead.id)],
        consents=[ConsentOut(granted=c.granted, text=c.text, channel=c.channel, at=c.created_at)
                  for c in lead_queries.consents_for_contact(session, contact.id)],
    )


def snapshot(lead: Lead, contact: Contact | None, keys: dict[str, str]) -> dict[str, Any]:
    """The lead as the audit log records it (JSON-ready; the audit record is encrypted)."""
    out: dict[str, Any] = {
        "stage": keys.get(lead.stage_id), "tags": list(lead.tags or []), "owner": lead.owner,
        "deal_value_cents": lead.deal_value_cents,
        "next_follow_up_at": lead.next_follow_up_at.isoformat() if lead.next_follow_up_at else None,
        "notes": lead.notes, "source": lead.source, "channel": lead.channel, "score": lead.score,
        "crm_sync_status": lead.crm_sync_status,
    }
    if contact is not None:
        out.update(name=contact.name, email=contact.email, phone=contact.phone, company=contact.company,
                   title=contact.title)
    return out
