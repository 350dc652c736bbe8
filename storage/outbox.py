"""Writing outbox events; they are committed with the change that caused them (DESIGN rule 2).

Two kinds of rows share the table:
- facts (`lead.captured`, …) fanned out to subscriptions and automation by the worker;
- work for the worker: `inbound.message` (a verified, deduplicated provider delivery waiting for
  its agent turn, so webhooks are acknowledged at once) and `channel.reply` (an agent reply to
  send back through WhatsApp, e-mail or Slack).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.ids import new_id
from storage.models import OutboxEvent

INBOUND_MESSAGE = "inbound.message"
CHANNEL_REPLY = "channel.reply"


def enqueue(session: Session, workspace_id: str, event_type: str, payload: dict[str, Any],
            *, event_id: str | None = None) -> OutboxEvent:
    event = OutboxEvent(workspace_id=workspace_id, event_type=event_type, payload=payload,
                        event_id=event_id or new_id("evt"))
    session.add(event)
    return event


def inbound_event_id(workspace_id: str, channel: str, provider_message_id: str) -> str:
    """Deterministic, so a provider's redelivery maps to the same row (DESIGN rule 4)."""
    digest = hashlib.sha256(f"{workspace_id}\x1f{channel}\x1f{provider_message_id}".encode()).hexdigest()
    return f"in_{digest[:36]}"


def enqueue_inbound(session: Session, workspace_id: str, channel: str, provider_message_id: str,
                    message: dict[str, Any]) -> bool:
    """Queue a verified provider message for its agent turn. False when it was queued before (a
    redelivery): the insert is skipped by the unique event id, without an error or a lost row."""
    dialect = session.get_bind().dialect.name
    make_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    event_id = inbound_event_id(workspace_id, channel, provider_message_id)
    if make_insert is None:  # other databases: plain insert; a duplicate raises IntegrityError
        session.add(OutboxEvent(workspace_id=workspace_id, event_type=INBOUND_MESSAGE, payload=message,
                                event_id=event_id))
        session.flush()
        return True
    values = {"workspace_id": workspace_id, "event_type": INBOUND_MESSAGE, "event_id": event_id}
    # Column defaults (status, times) and the payload's encryption come from the mapped table.
    table = OutboxEvent.__table__
    stmt = (make_insert(table).values(**values, payload=message)
            .on_conflict_do_nothing(index_elements=["event_id"]).returning(table.c.id))
    session.flush()  # the workspace row may still be pending
    return session.execute(stmt).first() is not None


__all__ = ["CHANNEL_REPLY", "INBOUND_MESSAGE", "enqueue", "enqueue_inbound", "inbound_event_id"]
