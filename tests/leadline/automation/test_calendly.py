"""Calendly booking webhooks (SPEC P2): signatures (good, bad, missing, stale), booking and
cancellation moving the lead with timeline activities and events, redeliveries, unknown invitees."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes.calendly import CalendlySender
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadline.app import create_app
from leadline.calendly import signature_valid
from storage import contacts, leads
from storage.api_keys import create_api_key
from storage.db import unit_of_work
from storage.models import Activity, Booking, Lead, OutboxEvent
from storage.models.automation import LeadMark

KEY = "calendly-signing-key-0123456789"
START = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def client(runtime: Any) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime)) as c:
        yield c


@pytest.fixture
def setup(runtime: Any, client: TestClient, make_workspace: Any) -> dict[str, Any]:
    ws = make_workspace()
    with unit_of_work(runtime.sessions) as s:
        admin = create_api_key(s, ws, name="admin", scopes=["admin"])[1]
        c = contacts.contact_for_identity(s, ws, "widget", "visitor-1")
        c = contacts.set_contact_fields(s, c, name="Maria Lopez", email="maria@brightpath.io")
        lead = leads.create_lead(s, ws, c.id, source="website", channel="widget", at=START)
        leads.move_stage(s, lead, "qualified", actor="test", at=START)
    r = client.put("/v1/automation/calendly", json={"signing_key": KEY}, headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200 and r.json()["configured"] is True, r.text
    return {"ws": ws, "lead": lead.id, "sender": CalendlySender(client, r.json()["webhook_path"], KEY)}


def stage(runtime: Any, lead_id: str) -> str:
    with runtime.sessions() as s:
        return leads.stage_of(s, s.get(Lead, lead_id)).key


def count(runtime: Any, model: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_signature_check_is_pure_with_a_window() -> None:
    body, t = b'{"event":"invitee.created"}', 1_800_000_000
    sender = CalendlySender(None, "", KEY)  # type: ignore[arg-type]
    header = sender.signature(body, t)
    assert signature_valid(KEY, body, header, now=t + 179)
    assert not signature_valid(KEY, body, header, now=t + 181)  # stale
    assert not signature_valid(KEY, body, header, now=t - 181)  # from the future
    assert not signature_valid("another-key-0123456789", body, header, now=t)
    assert not signature_valid(KEY, body + b" ", header, now=t)
    for bad in (None, "", "t=abc,v1=00", f"t={t}", "v1=" + header.split("v1=")[1]):
        assert not signature_valid(KEY, body, bad, now=t)


def test_a_booking_moves_the_lead_once(runtime, setup, events) -> None:  # type: ignore[no-untyped-def]
    sender, lead = setup["sender"], setup["lead"]
    created = sender.invitee_event("invitee.created", "Maria@BrightPath.io", START)
    r = sender.send(created)
    assert r.status_code == 200 and r.json() == {"status": "applied", "lead_id": lead,
                                                 "moved": ["qualified", "demo_booked"]}
    assert stage(runtime, lead) == "demo_booked"
    [demo] = events("lead.demo_booked")
    assert demo["data"]["start"] == START.isoformat() and demo["data"]["source"] == "calendly"
    assert events("lead.stage_changed")[-1]["data"]["actor"] == "calendly"
    with runtime.sessions() as s:
        act = s.scalars(select(Activity).where(Activity.lead_id == lead, Activity.kind == "stage_change")
                        .order_by(Activity.id)).all()[-1]
        assert act.summary == "Stage changed from Qualified to Demo booked: demo booked on Calendly"
        assert s.scalar(select(Booking.start_at).where(Booking.lead_id == lead)) == START
    n = count(runtime, OutboxEvent)
    again = sender.send(created)  # Calendly redelivers
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert count(runtime, OutboxEvent) == n and count(runtime, Booking) == 1


def test_a_cancellation_moves_it_back_and_a_reschedule_does_not(runtime, setup, events) -> None:  # type: ignore[no-untyped-def]
    sender, lead = setup["sender"], setup["lead"]
    booked = sender.invitee_event("invitee.created", "maria@brightpath.io", START)
    assert sender.send(booked).status_code == 200
    uri = booked["payload"]["uri"]
    moved = sender.send(sender.invitee_event("invitee.canceled", "maria@brightpath.io", START, invitee_uri=uri))
    assert moved.json()["moved"] == ["demo_booked", "qualified"] and stage(runtime, lead) == "qualified"
    with runtime.sessions() as s:
        assert s.scalar(select(Booking.status).where(Booking.lead_id == lead)) == "canceled"
    assert [e["data"]["to"] for e in events("lead.stage_changed")][-2:] == ["demo_booked", "qualified"]
    # Book again, then reschedule: Calendly cancels (rescheduled) and creates anew; the stage stays.
    assert sender.send(sender.invitee_event("invitee.created", "maria@brightpath.io", START)).status_code == 200
    r = sender.send(sender.invitee_event("invitee.canceled", "maria@brightpath.io", START, rescheduled=True))
    assert r.json()["moved"] is None and stage(runtime, lead) == "demo_booked"
    with runtime.sessions() as s:
        last = s.scalars(select(Activity).where(Activity.lead_id == lead).order_by(Activity.id.desc())).first()
        assert last.summary == "Demo rescheduled on Calendly"


@pytest.mark.parametrize("how", ["wrong key", "missing", "stale", "tampered"])
def test_a_bad_signature_is_401_and_stores_nothing(runtime, setup, how) -> None:  # type: ignore[no-untyped-def]
    sender = setup["sender"]
    payload = sender.invitee_event("invitee.created", "maria@brightpath.io", START)
    before = count(runtime, OutboxEvent)
    if how == "wrong key":
        r = sender.send(payload, key="not-the-signing-key-000000")
    elif how == "missing":
        r = sender.send(payload, sign=False)
    elif how == "stale":
        r = sender.send(payload, t=int(time.time()) - 600)
    else:
        body = json.dumps(payload).encode()
        r = sender.send(body.replace(b"maria@", b"mallory@"), header=sender.signature(body, int(time.time())))
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert "Calendly-Webhook-Signature".lower() in r.json()["detail"].lower()
    assert stage(runtime, setup["lead"]) == "qualified"
    assert count(runtime, OutboxEvent) == before and count(runtime, LeadMark) == 0 and count(runtime, Booking) == 0


def test_what_cannot_be_acted_on(runtime, client, setup, make_workspace) -> None:  # type: ignore[no-untyped-def]
    sender = setup["sender"]
    r = sender.send(sender.invitee_event("invitee.created", "stranger@nowhere.io", START))
    assert r.status_code == 200 and r.json()["status"] == "ignored"
    r = sender.send({"event": "routing_form_submission.created", "payload": {}})
    assert r.status_code == 200 and r.json()["status"] == "ignored"
    assert sender.send(b"{not json").status_code == 400
    assert sender.send({"event": "invitee.created", "payload": {"email": "maria@brightpath.io"}}).status_code == 422
    unconfigured = CalendlySender(client, f"/webhooks/calendly/{make_workspace('Other')}", KEY)
    assert unconfigured.send(sender.invitee_event("invitee.created", "maria@brightpath.io", START)).status_code == 404
    assert count(runtime, LeadMark) == 0
