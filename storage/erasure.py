"""GDPR erasure of one lead (SPEC G3): the person's data goes everywhere it was kept, the anonymous
facts stay (a lead existed, its source, channel, stage, score, value, dates), so counts survive.

Removed or overwritten: the contact's name, e-mail, phone, company, title and blind indexes (and
those of contacts merged into it), channel identities, conversations with their messages and
state, consent wording, score quotes, activity texts, lead notes and tags, the personal fields of
audit before/after records, and idempotency records of the capture. The lead row stays, marked
deleted and without personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from storage.idempotency import forget_resource
from storage.models import (
    Activity,
    AuditLog,
    ChannelIdentity,
    Consent,
    Contact,
    Conversation,
    Lead,
    LeadScore,
    Message,
)

ERASED = "[erased]"
# Keys whose values are personal data wherever they appear in audit before/after records.
PERSONAL_KEYS = frozenset({
    "name", "first_name", "last_name", "email", "phone", "company", "title", "notes", "summary", "text",
    "message", "tags", "evidence", "quote", "consent_text",
})


def redact(value: Any) -> Any:
    """A copy of a JSON value with every personal field replaced by a marker."""
    if isinstance(value, dict):
        return {k: (ERASED if k in PERSONAL_KEYS and v is not None else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def erase_lead(session: Session, lead: Lead, *, at: datetime) -> dict[str, Any]:
    """Erase the lead's person; returns the CRM ids it had, so the CRM copies can be erased too."""
    contact_ids = erase_contact(session, lead.contact_id, at=at)
    _strip_score_quotes(session, lead.id)
    # Stage changes say only "from X to Y"; every other activity text may quote the person.
    session.execute(update(Activity).where(Activity.lead_id == lead.id, Activity.kind != "stage_change")
                    .values(summary=ERASED, data={}))
    for row in session.scalars(select(AuditLog).where(
        AuditLog.workspace_id == lead.workspace_id,
        or_((AuditLog.entity_type == "lead") & (AuditLog.entity_id == lead.id),
            (AuditLog.entity_type == "contact") & AuditLog.entity_id.in_(contact_ids)),
    )):
        row.changes = redact(row.changes)
    forget_resource(session, lead.id)
    crm_ids = dict(lead.crm_ids or {})
    lead.notes, lead.tags, lead.next_follow_up_at, lead.crm_ids = None, [], None, {}
    lead.deleted_at = at
    session.flush()
    return crm_ids


def erase_contact(session: Session, contact_id: str, *, at: datetime) -> list[str]:
    """Erase a person's contact data, and that of contacts merged into it: identities,
    conversations with their messages, consent wording, contact fields (also for a contact that
    never became a lead: retention, SPEC G2). Returns the contact ids erased."""
    contact_ids = [contact_id, *session.scalars(select(Contact.id).where(Contact.merged_into_id == contact_id))]
    conversation_ids = select(Conversation.id).where(Conversation.contact_id.in_(contact_ids))
    session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
    session.execute(delete(Conversation).where(Conversation.contact_id.in_(contact_ids)))
    session.execute(delete(ChannelIdentity).where(ChannelIdentity.contact_id.in_(contact_ids)))
    session.execute(update(Consent).where(Consent.contact_id.in_(contact_ids)).values(text=ERASED))
    session.execute(update(Contact).where(Contact.id.in_(contact_ids)).values(
        name=None, email=None, phone=None, email_bidx=None, phone_bidx=None, company=None, title=None,
        updated_at=at,
    ))
    return contact_ids


def _strip_score_quotes(session: Session, lead_id: str) -> None:
    # Score records are immutable to the ORM (SPEC S5); erasure is the one legal exception, so it
    # writes through the table, keeping levels and points and dropping the verbatim quotes.
    rows = session.execute(select(LeadScore.id, LeadScore.breakdown).where(LeadScore.lead_id == lead_id)).all()
    if not rows:
        return
    table = LeadScore.__table__
    stmt = table.update().where(table.c.id == bindparam("sid")).values(breakdown=bindparam("bd"))
    session.connection().execute(stmt, [{"sid": sid, "bd": _without_quotes(bd)} for sid, bd in rows])


def _without_quotes(breakdown: Any) -> Any:
    if isinstance(breakdown, dict):
        return {k: (None if k in ("evidence", "quote", "message_index") else _without_quotes(v))
                for k, v in breakdown.items()}
    if isinstance(breakdown, list):
        return [_without_quotes(v) for v in breakdown]
    return breakdown
