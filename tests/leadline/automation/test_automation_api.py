"""GET/PUT /v1/automation/…: admin only, validated, audited; the signing key is never returned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.app import create_app
from leadline.automation.scheduler import run_due_jobs
from storage.api_keys import create_api_key
from storage.db import unit_of_work
from storage.models import AuditLog, Workspace
from storage.models.automation import Integration


@pytest.fixture
def client(runtime: Any) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime)) as c:
        yield c


@pytest.fixture
def keys(runtime: Any, make_workspace: Any) -> dict[str, Any]:
    ws = make_workspace()
    with unit_of_work(runtime.sessions) as s:
        return {"ws": ws, **{name: {"Authorization": f"Bearer {create_api_key(s, ws, name=name, scopes=sc)[1]}"}
                              for name, sc in (("admin", ["admin"]), ("member", ["read", "write"]))}}


def audits(runtime: Any, action: str) -> list[AuditLog]:
    with runtime.sessions() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_hot_lead_rule_defaults_update_and_audit(runtime, client, keys, talk) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/v1/automation/hot-lead", headers=keys["admin"])
    assert r.status_code == 200 and r.json() == {"enabled": True, "threshold": 80, "tag_hot": True, "crm_flag": True,
                                                 "slack_alert": True, "offer_demo": True, "effective_threshold": 80}
    r = client.put("/v1/automation/hot-lead", json={"threshold": 70, "slack_alert": False}, headers=keys["admin"])
    assert r.status_code == 200 and r.json()["threshold"] == 70 and r.json()["slack_alert"] is False
    assert r.json()["tag_hot"] is True  # unspecified actions take their defaults
    with runtime.sessions() as s:
        assert s.get(Workspace, keys["ws"]).settings["automation"]["hot_lead"]["threshold"] == 70
    [row] = audits(runtime, "automation.hot_lead.update")
    assert row.changes["before"]["threshold"] == 80 and row.changes["after"]["threshold"] == 70
    assert row.actor.startswith("api_key:")
    # The agent applies it from the next turn: 75 points is now hot.
    last = talk(keys["ws"], ["pricing please, I'm ana@x.io", "yes", "We have $40k a year and I sign off on it.",
                             "Our funnel reports take days, we can't see where users drop off."])[-1]
    assert last.score == 75 and "lead.qualified" in last.events
    # null threshold: the rubric's own
    r = client.put("/v1/automation/hot-lead", json={"threshold": None}, headers=keys["admin"])
    assert r.json()["threshold"] is None and r.json()["effective_threshold"] == 80


def test_hot_lead_rule_rejects_bad_input_and_members(client, keys, problem_json) -> None:  # type: ignore[no-untyped-def]
    r = client.put("/v1/automation/hot-lead", json={"threshold": 101}, headers=keys["admin"])
    assert problem_json(r, 422)["errors"][0]["field"] == "threshold"
    r = client.put("/v1/automation/hot-lead", json={"slack": True}, headers=keys["admin"])
    assert problem_json(r, 422)["errors"][0]["field"] == "slack"
    assert problem_json(client.get("/v1/automation/hot-lead", headers=keys["member"]), 403)
    assert problem_json(client.put("/v1/automation/hot-lead", json={}, headers=keys["member"]), 403)
    assert problem_json(client.get("/v1/automation/hot-lead"), 401)


def test_retention_policy(runtime, client, keys, problem_json) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/v1/automation/retention", headers=keys["admin"]).json() == {"retention_days": None}
    r = client.put("/v1/automation/retention", json={"retention_days": 365}, headers=keys["admin"])
    assert r.status_code == 200 and r.json() == {"retention_days": 365}
    with runtime.sessions() as s:
        assert s.get(Workspace, keys["ws"]).settings["retention_days"] == 365
    assert problem_json(client.put("/v1/automation/retention", json={"retention_days": 0}, headers=keys["admin"]), 422)
    assert len(audits(runtime, "automation.retention.update")) == 1


def test_calendly_key_is_stored_encrypted_and_never_returned(runtime, client, keys, problem_json) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/v1/automation/calendly", headers=keys["admin"]).json()["configured"] is False
    secret = "whsec-calendly-0123456789abcdef"
    r = client.put("/v1/automation/calendly", json={"signing_key": secret}, headers=keys["admin"])
    assert r.status_code == 200 and secret not in r.text
    assert r.json()["webhook_path"] == f"/webhooks/calendly/{keys['ws']}"
    with runtime.sessions() as s:
        assert s.scalar(select(Integration)).secrets == {"signing_key": secret}
        raw = s.connection().exec_driver_sql("SELECT secrets FROM integrations").scalar()
        assert secret.encode() not in bytes(raw)
    [row] = audits(runtime, "integration.calendly.update")
    assert secret not in str(row.changes)
    assert problem_json(client.put("/v1/automation/calendly", json={"signing_key": "short"},
                                   headers=keys["admin"]), 422)


def test_job_runs_are_listed(runtime, client, keys) -> None:  # type: ignore[no-untyped-def]
    run_due_jobs(runtime, datetime(2026, 11, 23, 9, tzinfo=UTC))
    runs = client.get("/v1/automation/jobs", headers=keys["admin"]).json()
    assert {r["job"] for r in runs} == {"rescore", "follow_up_reminders", "retention_purge", "sla_escalation"}
    assert all(r["finished_at"] for r in runs)
