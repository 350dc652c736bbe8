"""POST /v1/capture: public web-form capture with workspace check, honeypot, rate limit, idempotency."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadline.app import create_app
from leadline.runtime import build_runtime
from storage.db import unit_of_work
from storage.models import Activity, AuditLog, Consent, Contact, IdempotencyKey, Lead, OutboxEvent, Workspace


def form(ws: Any, **extra: Any) -> dict[str, Any]:
    return {"workspace": ws.public_key, "first_name": "Jane", "last_name": "Smith", "email": "jane@example.com",
            "source": "website", **extra}


def count(runtime: Any, model: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_capture_creates_a_lead_without_auth(client, runtime, ws) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/capture", json=form(ws, phone="+1 415 555 0123", company="Initech", message="Need a quote",
                                             consent=True, consent_text="You may e-mail me", utm_campaign="x"))
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "accepted" and r.json()["capture_id"].startswith("cap_")
    with runtime.sessions() as s:
        lead = s.scalars(select(Lead)).one()
        contact = s.get(Contact, lead.contact_id)
        assert (contact.name, contact.email, contact.phone, contact.company) == (
            "Jane Smith", "jane@example.com", "+14155550123", "Initech")
        assert lead.source == "website" and lead.workspace_id == ws.id
        consent = s.scalars(select(Consent)).one()
        assert consent.granted and consent.text == "You may e-mail me" and consent.channel == "web_form"
        assert any("Need a quote" in a.summary for a in s.scalars(select(Activity)))
        evt = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "lead.captured")).one()
        assert evt.payload["lead_id"] == lead.id
        audit = s.scalars(select(AuditLog)).one()
        assert audit.actor == "capture" and audit.action == "lead.capture" and audit.changes["before"] is None
    # the same person again: same lead, a timeline entry, no second captured event
    again = client.post("/v1/capture", json=form(ws, email="JANE@example.com", title="CTO"))
    assert again.status_code == 202
    assert count(runtime, Lead) == 1 and count(runtime, OutboxEvent) == 1
    with runtime.sessions() as s:
        assert s.scalars(select(Contact)).one().title == "CTO"


def test_unknown_or_inactive_workspace_is_404(client, runtime, ws, problem) -> None:  # type: ignore[no-untyped-def]
    problem(client.post("/v1/capture", json=form(ws, workspace="pk_nope")), 404, "unknown or inactive workspace")
    with unit_of_work(runtime.sessions) as s:
        s.get(Workspace, ws.id).active = False
    problem(client.post("/v1/capture", json=form(ws)), 404, "unknown or inactive workspace")
    assert count(runtime, Lead) == 0 and count(runtime, Contact) == 0


def test_validation_errors_name_the_field(client, runtime, ws, problem) -> None:  # type: ignore[no-untyped-def]
    body = problem(client.post("/v1/capture", json={"workspace": ws.public_key, "email": "nope"}), 422,
                   "first_name", "last_name", "email")
    assert {e["field"] for e in body["errors"]} == {"first_name", "last_name", "email"}
    problem(client.post("/v1/capture", json=form(ws, source="tv")), 422, "source")
    problem(client.post("/v1/capture", content=b"[1]", headers={"content-type": "application/json"}), 422, "object")
    problem(client.post("/v1/capture", content=b"{", headers={"content-type": "application/json"}), 422, "JSON")
    assert count(runtime, Lead) == 0


def test_honeypot_looks_like_success_and_stores_nothing(client, runtime, ws) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/capture", json=form(ws, website="http://spam.example"))
    assert r.status_code == 202 and r.json()["status"] == "accepted"
    # even with an otherwise invalid body, a bot learns nothing
    assert client.post("/v1/capture", json={"website": "x", "email": "bad"}).status_code == 202
    assert count(runtime, Lead) == 0 and count(runtime, Contact) == 0 and count(runtime, AuditLog) == 0


def test_html_form_posts_are_accepted(client, runtime, ws) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/capture", data={**form(ws), "consent": "on", "website": ""})
    assert r.status_code == 202, r.text
    assert count(runtime, Lead) == 1 and count(runtime, Consent) == 1


def test_idempotency_key_returns_the_first_response_and_stores_once(client, runtime, ws, problem) -> None:  # type: ignore[no-untyped-def]
    h = {"Idempotency-Key": "order-42"}
    first = client.post("/v1/capture", json=form(ws, message="hello"), headers=h)
    second = client.post("/v1/capture", json=form(ws, message="hello"), headers=h)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json() and second.headers["idempotent-replayed"] == "true"
    assert count(runtime, Lead) == 1 and count(runtime, Activity) == 2  # captured + the message, once
    problem(client.post("/v1/capture", json=form(ws, message="other"), headers=h), 422, "Idempotency-Key")
    other = client.post("/v1/capture", json=form(ws, message="hello"), headers={"Idempotency-Key": "order-43"})
    assert other.json()["capture_id"] != first.json()["capture_id"]
    with runtime.sessions() as s:
        row = s.scalars(select(IdempotencyKey).where(IdempotencyKey.key == "order-42")).one()
        assert "jane" not in row.fingerprint and row.status_code == 202


@pytest.fixture
def limited_client(settings) -> Any:  # type: ignore[no-untyped-def]
    rt = build_runtime(settings.model_copy(update={"capture_rate_per_minute": 3}))
    with TestClient(create_app(rt.settings, rt)) as c:
        yield c, rt
    rt.close()


def test_rate_limit_per_ip_answers_429_with_retry_after(limited_client, problem) -> None:  # type: ignore[no-untyped-def]
    client, rt = limited_client
    with unit_of_work(rt.sessions) as s:
        from storage.workspaces import create_workspace

        pk = create_workspace(s, "Rated").public_key
    for i in range(3):
        r = client.post("/v1/capture", json={"workspace": pk, "first_name": "A", "last_name": "B",
                                             "email": f"a{i}@x.io"})
        assert r.status_code == 202, r.text
    r = client.post("/v1/capture", json={"workspace": pk, "first_name": "A", "last_name": "B", "email": "z@x.io"})
    problem(r, 429, "too many", "3 a minute")
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # bad requests count too, so a flood of garbage is limited as well
    assert client.post("/v1/capture", content=b"{").status_code == 429
    with rt.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 3
