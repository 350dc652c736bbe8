"""A key of workspace A can read, change, export or delete nothing of workspace B: always 404
(existence is not revealed), and B's data is unchanged afterwards."""

from typing import Any

from sqlalchemy import func, select

from storage.models import Activity, AuditLog, Lead, OutboxEvent


def test_workspace_a_cannot_touch_workspace_b(client, runtime, ws, other, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    theirs = make_lead(other.id, "victim@b.io", company="B Corp", score=88, band="hot")
    make_lead(ws.id, "mine@a.io")
    a = auth(ws.admin)  # even an admin key of A
    problem(client.get(f"/v1/leads/{theirs}", headers=a), 404, theirs)
    problem(client.patch(f"/v1/leads/{theirs}", json={"stage": "qualified", "owner": "x"}, headers=a), 404)
    problem(client.delete(f"/v1/leads/{theirs}", headers=a), 404)
    problem(client.post(f"/v1/leads/{theirs}/activities", json={"kind": "note", "summary": "x"}, headers=a), 404)
    problem(client.post("/v1/leads/bulk", json={"ids": [theirs], "action": "stage", "stage": "qualified"},
                        headers=a), 404)
    listed = client.get("/v1/leads", params={"q": "victim@b.io"}, headers=a).json()["data"]
    assert listed == []
    assert [r["email"] for r in client.get("/v1/leads", headers=a).json()["data"]] == ["mine@a.io"]
    export = client.get("/v1/leads/export.csv", headers=a).text
    assert "victim@b.io" not in export and theirs not in export
    export = client.get("/v1/leads/export.csv", params={"score_min": 80}, headers=a).text
    assert export.count("\r\n") == 1  # only the header
    pipeline = client.get("/v1/analytics/pipeline", headers=a).json()
    assert pipeline["total"] == 1 and pipeline["avg_score"] is None
    assert client.get("/v1/analytics/sources", headers=a).json()["total"] == 1
    # a stage key of A does not reach B's lead, and nothing of B changed
    with runtime.sessions() as s:
        lead = s.get(Lead, theirs)
        assert lead.deleted_at is None and lead.owner is None and lead.tags == []
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.lead_id == theirs)) == 1
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.workspace_id == other.id)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.workspace_id == other.id)) == 0
    # B still sees its lead
    assert client.get(f"/v1/leads/{theirs}", headers=auth(other.reader)).json()["email"] == "victim@b.io"


def test_capture_goes_to_the_named_workspace_only(client, runtime, ws, other) -> None:  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {"first_name": "X", "last_name": "Y", "email": "same@x.io"}
    assert client.post("/v1/capture", json={**body, "workspace": ws.public_key}).status_code == 202
    assert client.post("/v1/capture", json={**body, "workspace": other.public_key}).status_code == 202
    with runtime.sessions() as s:
        assert sorted(ld.workspace_id for ld in s.scalars(select(Lead))) == sorted([ws.id, other.id])
