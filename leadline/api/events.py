"""Outbox events caused by API writes, in the envelope the agent uses (DESIGN rule 2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage import outbox
from storage.models import Lead
from storage.sessions import Session


def lead_event(session: Session, lead: Lead, event_type: str, *, at: datetime, actor: str,
               data: dict[str, Any] | None = None) -> None:
    outbox.enqueue(session, lead.workspace_id, event_type, {
        "type": event_type,
        "workspace_id": lead.workspace_id,
        "lead_id": lead.id,
        "contact_id": lead.contact_id,
        "conversation_id": None,
        "channel": lead.channel,
        "occurred_at": at.isoformat(),
        "data": {**(data or {}), "actor": actor},
    })
