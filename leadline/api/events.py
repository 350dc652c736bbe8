"""Outbox events caused by API writes, in the envelope the agent uses (DESIGN rule 2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.lead_events import enqueue_lead_event
from storage.models import Lead
from storage.sessions import Session


def lead_event(session: Session, lead: Lead, event_type: str, *, at: datetime, actor: str,
               data: dict[str, Any] | None = None) -> None:
    enqueue_lead_event(session, lead, event_type, at=at, data={**(data or {}), "actor": actor})
