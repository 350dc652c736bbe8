"""/v1/subscriptions and /v1/deliveries over HTTP: admin only, secrets write-only, validation as
problem+json, audit for writes, dead letters listed with their error and replayed."""

from __future__ import annotations

from typing import Any

import pytest
from fakes.webhook_receiver import WebhookReceiver
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.app import create_app
from leadline.worker import drain
from storage.api_keys import create_api_key
from storage.db import unit_of_work
from storage.models import AuditLog
from storage.workspaces import create_workspace


@pytest.fixture
def keys(rt, ws_id) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with unit_of_work(rt.sessions) as s:
        other = create_workspace(s, "Globex").id
        return {"admin": create_api_key(s, ws_id, name="a", scopes=["admin"])[1],
                "member": create_api_key(s, ws_id, name="m", scopes=["read", "write"])[1],
                "other": create_api_key(s, other, name="o", scopes=["admin"])[1]}


@pytest.fixture
def client(rt) -> Any:  # type: ignore[no-untyped-def]
    with TestClient(create_app(rt.settings, rt)) as c:
        yield c


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_subscription_crud_keeps_secrets_write_only(rt, client, keys) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/subscriptions", headers=_h(keys["admin"]), json={
        "kind": "webhook", "name": "CRM", "events": ["lead.captured", "lead.qualified"],
        "settings": {"url": "https://hooks.example.com/leadline"}})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["signing_secret"].startswith("whsec_") and created["secrets_set"] == ["signing_secret"]
    sub_id = created["id"]
    got = client.get(f"/v1/subscriptions/{sub_id}", headers=_h(keys["admin"])).json()
    assert "signing_secret" not in got and created["signing_secret"] not in str(got)
    r = client.post("/v1/subscriptions", headers=_h(keys["admin"]), json={
        "kind": "slack", "events": ["lead.qualified"], "settings": {"channel": "C0SALES",
                                                                   "slack_owners": {"U123": "alice@acme.io"}},
        "secrets": {"bot_token": "xoxb-secret-token"}})
    assert r.status_code == 201 and r.json()["signing_secret"] is None
    slack_id = r.json()["id"]
    r = client.patch(f"/v1/subscriptions/{slack_id}", headers=_h(keys["admin"]),
                     json={"secrets": {"bot_token": None, "webhook_url": "https://hooks.slack.com/services/T/B/X"},
                           "active": False})
    assert r.status_code == 200 and r.json()["secrets_set"] == ["webhook_url"] and r.json()["active"] is False
    listed = client.get("/v1/subscriptions", headers=_h(keys["admin"])).json()
    assert [s["id"] for s in listed] == [sub_id, slack_id]
    assert client.get("/v1/subscriptions", headers=_h(keys["other"])).json() == []
    assert client.get(f"/v1/subscriptions/{sub_id}", headers=_h(keys["other"])).status_code == 404
    assert client.get("/v1/subscriptions", headers=_h(keys["member"])).status_code == 403
    assert client.delete(f"/v1/subscriptions/{sub_id}", headers=_h(keys["admin"])).status_code == 204
    assert client.get(f"/v1/subscriptions/{sub_id}", headers=_h(keys["admin"])).status_code == 404
    with rt.sessions() as s:
        audits = s.scalars(select(AuditLog).where(AuditLog.entity_type == "subscription")).all()
    assert [a.action for a in audits] == ["subscription.create", "subscription.create", "subscription.update",
                                          "subscription.delete"]
    blob = str([a.changes for a in audits])
    assert "xoxb-secret-token" not in blob and created["signing_secret"] not in blob and "hooks.slack.com" not in blob


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "webhook", "events": ["lead.captured"], "settings": {"url": "http://example.com/hook"}}, "settings.url"),
    ({"kind": "webhook", "events": ["lead.nope"], "settings": {"url": "https://example.com/h"}}, "events.0"),
    ({"kind": "webhook", "events": [], "settings": {"url": "https://example.com/h"}}, "events"),
    ({"kind": "slack", "events": ["lead.qualified"], "settings": {"channel": "C1"}}, "secrets"),
    ({"kind": "slack", "events": ["lead.qualified"], "settings": {}, "secrets": {"bot_token": "nope"}},
     "secrets.bot_token"),
    ({"kind": "email", "events": ["lead.captured"], "settings": {"to": ["not-an-address"]}}, "settings.to.0"),
    ({"kind": "email", "events": ["lead.captured"], "settings": {"to": ["a@b.io"], "cc": "x"}}, "settings.cc"),
])
def test_bad_subscriptions_are_refused_with_the_field_named(rt, client, keys, body, field) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/subscriptions", headers=_h(keys["admin"]), json=body)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert client.get("/v1/subscriptions", headers=_h(keys["admin"])).json() == []


def test_dead_deliveries_are_listed_with_their_error_and_replayed(rt, ws_id, client, keys, emit) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/subscriptions", headers=_h(keys["admin"]), json={
        "kind": "webhook", "events": ["lead.captured"], "settings": {"url": "http://127.0.0.1:9/down"}})
    secret, sub_id = r.json()["signing_secret"], r.json()["id"]
    rt.settings.worker_max_attempts = 1
    rt.settings.webhook_retry_hours = 1e-9  # dead after the first failure
    [event_id] = emit(ws_id)
    drain(rt)
    dead = client.get("/v1/deliveries?status=dead", headers=_h(keys["admin"])).json()
    assert [(d["event_id"], d["subscription_id"], d["status"]) for d in dead] == [(event_id, sub_id, "dead")]
    assert "unreachable" in dead[0]["last_error"] and dead[0]["attempts"] == 1
    assert client.get("/v1/deliveries?status=dead", headers=_h(keys["other"])).json() == []
    assert client.get("/v1/deliveries?status=bogus", headers=_h(keys["admin"])).status_code == 422
    with WebhookReceiver(secret) as receiver:
        client.patch(f"/v1/subscriptions/{sub_id}", headers=_h(keys["admin"]), json={"settings": {"url": receiver.url}})
        rt.settings.webhook_retry_hours = 24
        r = client.post(f"/v1/deliveries/{dead[0]['id']}/replay", headers=_h(keys["admin"]))
        assert r.status_code == 202 and r.json()["status"] == "pending" and r.json()["attempts"] == 0
        drain(rt)
        assert list(receiver.wait_for(1)) == [event_id]
    done = client.get(f"/v1/deliveries/{dead[0]['id']}", headers=_h(keys["admin"])).json()
    assert done["status"] == "delivered" and done["response_code"] == 200 and done["last_error"] is None
    assert client.post(f"/v1/deliveries/{dead[0]['id']}/replay", headers=_h(keys["other"])).status_code == 404
