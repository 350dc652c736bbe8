"""The one envelope every lead event has in the outbox, whoever writes it (agent turn, API, stage
moves, scheduled jobs, webhooks): {type, workspace_id, lead_id, contact_id, conversation_id,
channel, occurred_at, data}. Written in the caller's transaction (DESIGN rule 2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import outbox
from storage.models import Lead, OutboxEvent


def envelope(event_type: str, *, workspace_id: str, lead_id: str | None, contact_id: str | None,
             conversation_id: str | None, channel: str | None, at: datetime,
             data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": event_type,
        "workspace_id": workspace_id,
        "lead_id": lead_id,
        "contact_id": contact_id,
        "conversation_id": conversation_id,
        "channel": channel,
        "occurred_at": at.isoformat(),
        "data": dict(data or {}),
    }


def enqueue_lead_event(session: Session, lead: Lead, event_type: str, *, at: datetime,
                       data: dict[str, Any] | None = None, conversation_id: str | None = None,
                       channel: str | None = None) -> OutboxEvent:
    return outbox.enqueue(session, lead.workspace_id, event_type, envelope(
        event_type, workspace_id=lead.workspace_id, lead_id=lead.id, contact_id=lead.contact_id,
        conversation_id=conversation_id, channel=channel or lead.channel, at=at, data=data,
    ))
