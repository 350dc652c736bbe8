"""The delivery log (admin): every send of a lead event to a subscription or built-in recipient,
with its status (pending, delivered, dead), attempts, last error, response code and latency; dead
ones can be replayed. `/v1/deliveries/events` does the same for the worker's own outbox events
(queued inbound messages, channel replies) that were dead-lettered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from leadline.api.auth import Admin
from leadline.api.deps import DB, utcnow
from leadline.api.problems import Problem, not_found
from storage import deliveries, outbox
from storage.audit import audit
from storage.models import Delivery, OutboxEvent

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])
Status = Literal["pending", "delivered", "dead"]
Limit = Annotated[int, Query(ge=1, le=200)]


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    target: str
    subscription_id: str | None
    kind: str
    status: str
    attempts: int
    last_error: str | None
    response_code: int | None
    latency_ms: int | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


class OutboxEventOut(BaseModel):
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


def _out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(id=d.id, event_id=d.event_id, event_type=d.event_type, target=d.target,
                       subscription_id=d.subscription_id, kind=d.kind, status=d.status, attempts=d.attempts,
                       last_error=d.last_error, response_code=d.response_code, latency_ms=d.latency_ms,
                       next_attempt_at=d.available_at if d.status == "pending" else None, created_at=d.created_at,
                       delivered_at=d.delivered_at)


def _event_out(e: OutboxEvent) -> OutboxEventOut:
    return OutboxEventOut(event_id=e.event_id, event_type=e.event_type, status=e.status, attempts=e.attempts,
                          last_error=e.last_error, next_attempt_at=e.available_at if e.status == "pending" else None,
                          created_at=e.created_at, delivered_at=e.delivered_at)


def _check_replayable(status: str, locked_until: datetime | None) -> None:
    if status == "pending" and locked_until is not None and locked_until > utcnow():
        raise Problem(409, "a worker is sending it right now; try again when it has finished", kind="conflict")


@router.get("/events", response_model=list[OutboxEventOut], summary="List the worker's outbox events (admin)")
def list_events(session: DB, caller: Admin, status: Status = "dead", limit: Limit = 50) -> list[OutboxEventOut]:
    """Newest first; by default the dead-lettered ones."""
    return [_event_out(e) for e in outbox.list_events(session, caller.workspace_id, status=status, limit=limit)]


@router.post("/events/{event_id}/replay", response_model=OutboxEventOut, status_code=202,
             summary="Replay an outbox event (admin)")
def replay_event(event_id: str, session: DB, caller: Admin) -> OutboxEventOut:
    event = outbox.get_event(session, caller.workspace_id, event_id)
    if event is None:
        raise not_found("outbox event", event_id)
    _check_replayable(event.status, event.locked_until)
    before = {"status": event.status, "attempts": event.attempts}
    outbox.replay(event, utcnow())
    audit(session, caller.workspace_id, caller.actor, "outbox.replay", "outbox_event", event.event_id,
          before=before, after={"status": event.status})
    return _event_out(event)


@router.get("", response_model=list[DeliveryOut], summary="List deliveries (admin)")
def list_deliveries(
    session: DB, caller: Admin,
    status: Status | None = None,
    subscription_id: str | None = None,
    event_type: str | None = None,
    event_id: str | None = None,
    before: Annotated[str | None, Query(description="page: deliveries older than this delivery id")] = None,
    limit: Limit = 50,
) -> list[DeliveryOut]:
    """Newest first; `status=dead` lists the dead letters with their errors."""
    rows = deliveries.list_deliveries(session, caller.workspace_id, status=status, subscription_id=subscription_id,
                                      event_type=event_type, event_id=event_id, before_id=before, limit=limit)
    return [_out(d) for d in rows]


def _get(session: DB, caller: Admin, delivery_id: str) -> Delivery:
    row = deliveries.get_delivery(session, caller.workspace_id, delivery_id)
    if row is None:
        raise not_found("delivery", delivery_id)
    return row


@router.get("/{delivery_id}", response_model=DeliveryOut, summary="Fetch a delivery (admin)")
def get_delivery(delivery_id: str, session: DB, caller: Admin) -> DeliveryOut:
    return _out(_get(session, caller, delivery_id))


@router.post("/{delivery_id}/replay", response_model=DeliveryOut, status_code=202, summary="Replay a delivery (admin)")
def replay_delivery(delivery_id: str, session: DB, caller: Admin) -> DeliveryOut:
    """Sends it again with a fresh set of attempts: a dead letter after the cause was fixed, or a
    delivered one the receiver lost (it carries the same event id, so receivers can dedupe)."""
    row = _get(session, caller, delivery_id)
    _check_replayable(row.status, row.locked_until)
    if row.target.startswith("sub_") and row.subscription_id is None:
        raise Problem(409, "its subscription was deleted; there is nobody to send it to", kind="conflict")
    before = {"status": row.status, "attempts": row.attempts}
    outbox.replay(row, utcnow())
    audit(session, caller.workspace_id, caller.actor, "delivery.replay", "delivery", row.id,
          before=before, after={"status": row.status})
    return _out(row)
