"""Calendly booking webhooks (SPEC P2; wire format in INTEGRATIONS.md "Calendly").

  POST /webhooks/calendly/{workspace_id}   signed with Calendly-Webhook-Signature

`invitee.created` moves the invitee's lead to `demo_booked` (and keeps the booking in the demo
calendar); `invitee.canceled` moves it back to `qualified`; each writes a timeline activity, and
stage moves queue their events through storage.leads.move_stage. The lead is found by the
invitee's e-mail through the contacts' blind index.

Why these answers:
- The signature is checked first, against the workspace's signing key (encrypted in the
  `integrations` row, set with PUT /v1/automation/calendly): bad, missing or stale: 401 and
  nothing stored (DESIGN rule 3). No Calendly integration for the workspace: 404.
- Calendly retries non-2xx for 24 h, so anything we cannot act on but that is not a fault of the
  delivery (an unknown e-mail, an event type we do not handle) is 200 with what happened.
- A redelivery (same invitee uri and event) is a no-op: a once-only lead mark.
- Not JSON: 400; JSON of the wrong shape: 422. Over 1 MB: 413.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from channels import webhook_http
from channels.webhook_http import BodyTooLarge, payload_problem, read_limited
from storage import leads
from storage.contacts import contact_by_email
from storage.db import Session, unit_of_work
from storage.integrations import get_integration
from storage.job_runs import mark_once
from storage.models import Lead
from storage.workspaces import stage_by_key

log = logging.getLogger(__name__)
router = APIRouter(tags=["calendly"])

KIND = "calendly"
SIGNATURE_HEADER = "calendly-webhook-signature"
TOLERANCE_SECONDS = 180  # Calendly's own guidance: reject a timestamp older than three minutes
MAX_BODY_BYTES = 1024 * 1024
ACTOR = "calendly"


# -- signature ------------------------------------------------------------------------------------
def sign(signing_key: str, body: bytes, t: int) -> str:
    """The Calendly-Webhook-Signature value for `body` sent at unix time `t`."""
    digest = hmac.new(signing_key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def signature_valid(signing_key: str, body: bytes, header: str | None, *, now: float,
                    tolerance: float = TOLERANCE_SECONDS) -> bool:
    """Constant-time check of `t=<unix>,v1=<hex>` over t + "." + the raw body; a `t` further than
    `tolerance` seconds from `now` (a replay) fails too. `now` is injected: a pure function."""
    if not header:
        return False
    parts = dict(p.strip().partition("=")[::2] for p in header.split(","))
    t, v1 = parts.get("t", ""), parts.get("v1", "")
    if not t.isdigit() or not v1 or abs(now - int(t)) > tolerance:
        return False
    return hmac.compare_digest(sign(signing_key, body, int(t)), f"t={t},v1={v1}")


# -- payload ----------------------------------------------------------------------------------------
class ScheduledEvent(BaseModel):
    uri: str
    name: str | None = None
    start_time: datetime
    end_time: datetime


class Invitee(BaseModel):
    email: str
    name: str | None = None
    uri: str
    status: str | None = None
    rescheduled: bool = False
    scheduled_event: ScheduledEvent


class Webhook(BaseModel):
    event: str
    created_at: datetime | None = None
    payload: dict[str, Any]


HANDLED = ("invitee.created", "invitee.canceled")


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return webhook_http.problem(status, title, detail, source="calendly")


@router.post("/webhooks/calendly/{workspace_id}", include_in_schema=False)
async def receive(workspace_id: str, request: Request) -> Response:
    runtime = request.app.state.runtime
    key = await run_in_threadpool(_signing_key, runtime.sessions, workspace_id)
    if key is None:
        return problem(404, "Not configured", f"workspace {workspace_id!r} has no Calendly integration")
    try:
        raw = await read_limited(request, MAX_BODY_BYTES)
    except BodyTooLarge as e:
        return problem(413, "Payload too large", str(e))
    if not signature_valid(key, raw, request.headers.get(SIGNATURE_HEADER), now=time.time()):
        return problem(401, "Bad signature",
                       f"missing, invalid or stale {SIGNATURE_HEADER} for this body; nothing was stored")
    try:
        hook = Webhook.model_validate_json(raw)
        invitee = Invitee.model_validate(hook.payload) if hook.event in HANDLED else None
    except ValidationError as e:
        return payload_problem(e, source="calendly")
    if invitee is None:
        return JSONResponse({"status": "ignored", "reason": f"event {hook.event!r} is not handled"})
    return JSONResponse(await run_in_threadpool(apply, runtime.sessions, workspace_id, hook.event, invitee))


def _signing_key(sessions: Any, workspace_id: str) -> str | None:
    with sessions() as s:
        row = get_integration(s, workspace_id, KIND)
        return (row.secrets or {}).get("signing_key") if row is not None else None


def apply(sessions: Any, workspace_id: str, event: str, invitee: Invitee) -> dict[str, Any]:
    """Act on a verified invitee event in one transaction."""
    with unit_of_work(sessions) as s:
        contact = contact_by_email(s, workspace_id, invitee.email)
        lead = leads.lead_for_contact(s, contact.id) if contact is not None else None
        if lead is None:
            log.info("calendly %s for an e-mail without a lead in %s ignored", event, workspace_id)
            return {"status": "ignored", "reason": "no lead with this e-mail"}
        at = datetime.now(UTC)
        key = hashlib.sha256(invitee.uri.encode()).hexdigest()
        if not mark_once(s, workspace_id, lead.id, f"calendly:{event}", key, at=at):
            return {"status": "duplicate", "lead_id": lead.id}
        ev = invitee.scheduled_event
        data = {"start": ev.start_time.isoformat(), "end": ev.end_time.isoformat(), "event_uri": ev.uri,
                "invitee_uri": invitee.uri, "source": "calendly"}
        if event == "invitee.created":
            moved = _booked(s, lead, invitee, data, at)
        else:
            moved = _canceled(s, lead, invitee, data, at)
        return {"status": "applied", "lead_id": lead.id, "moved": list(moved) if moved else None}


def _booked(s: Session, lead: Lead, invitee: Invitee, data: dict[str, Any], at: datetime) -> tuple[str, str] | None:
    ev = invitee.scheduled_event
    leads.book_demo(s, lead, start=ev.start_time, end=ev.end_time, timezone="UTC")
    stage = leads.stage_of(s, lead)
    target = stage_by_key(s, lead.workspace_id, "demo_booked")
    # Forward only: a lead already past demo_booked (an opportunity booking another call) stays.
    if stage.outcome == "open" and stage.position < target.position:
        return leads.move_stage(s, lead, "demo_booked", actor=ACTOR, at=at, reason="demo booked on Calendly",
                                data=data)
    leads.add_activity(s, lead, "meeting", f"Demo booked on Calendly for {ev.start_time.isoformat()}",
                       actor=ACTOR, at=at, data=data)
    return None


def _canceled(s: Session, lead: Lead, invitee: Invitee, data: dict[str, Any], at: datetime) -> tuple[str, str] | None:
    ev = invitee.scheduled_event
    leads.cancel_booking(s, lead, start=ev.start_time)
    # A reschedule cancels and books again at once: keep the stage, the new booking follows.
    if leads.stage_of(s, lead).key == "demo_booked" and not invitee.rescheduled:
        return leads.move_stage(s, lead, "qualified", actor=ACTOR, at=at, reason="demo canceled on Calendly",
                                data=data)
    what = "rescheduled" if invitee.rescheduled else "canceled"
    leads.add_activity(s, lead, "meeting", f"Demo {what} on Calendly", actor=ACTOR, at=at, data=data)
    return None
