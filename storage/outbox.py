"""Writing outbox events; they are committed with the change that caused them (DESIGN rule 2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.models import OutboxEvent


def enqueue(session: Session, workspace_id: str, event_type: str, payload: dict[str, Any]) -> OutboxEvent:
    event = OutboxEvent(workspace_id=workspace_id, event_type=event_type, payload=payload)
    session.add(event)
    return event
