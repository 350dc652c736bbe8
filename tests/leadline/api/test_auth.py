"""Bearer API keys: 401 without a valid key, 403 without the scope, keys managed by admins."""

from typing import Any

from sqlalchemy import select

from storage.db import unit_of_work
from storage.models import ApiKey, AuditLog, Workspace


def test_missing_and_invalid_keys_are_401_problems(client, ws, auth, problem) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/v1/leads")
    body = problem(r, 401, "missing API key", "Bearer")
    assert body["type"].startswith("urn:leadline:problem:")
    assert r.headers["www-authenticate"].startswith("Bearer")
    problem(client.get("/v1/leads", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "Bearer ak_")
    problem(client.get("/v1/leads", headers=auth("sk_live_123")), 401, "start with `ak_`")
    problem(client.get("/v1/leads", headers=auth("ak_" + "x" * 43)), 401, "invalid or revoked")
    assert client.get("/v1/leads", headers=auth(ws.reader)).status_code == 200
    # lower-case scheme is accepted too
    assert client.get("/v1/leads", headers={"authorization": f"bearer {ws.reader}"}).status_code == 200


def test_scopes_are_enforced(client, ws, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "a@x.io")
    new = {"first_name": "A", "last_name": "B", "email": "ab@x.io"}
    problem(client.post("/v1/leads", json=new, headers=auth(ws.reader)), 403, "`write` scope")
    problem(client.patch(f"/v1/leads/{lead}", json={"owner": "me"}, headers=auth(ws.reader)), 403, "write")
    # members (read + write) cannot do admin actions
    problem(client.delete(f"/v1/leads/{lead}", headers=auth(ws.member)), 403, "`admin` scope")
    problem(client.post("/v1/stages", json={"key": "x", "name": "X"}, headers=auth(ws.member)), 403, "admin")
    problem(client.delete("/v1/stages/contacted", headers=auth(ws.member)), 403, "admin")
    problem(client.get("/v1/api-keys", headers=auth(ws.member)), 403, "admin")
    assert client.patch(f"/v1/leads/{lead}", json={"owner": "me"}, headers=auth(ws.member)).status_code == 200
    assert client.get("/v1/stages", headers=auth(ws.reader)).status_code == 200
    # admin includes write and read
    assert client.get(f"/v1/leads/{lead}", headers=auth(ws.admin)).status_code == 200


def test_inactive_workspace_keys_are_refused(client, runtime, ws, auth, problem) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.sessions) as s:
        s.get(Workspace, ws.id).active = False
    problem(client.get("/v1/leads", headers=auth(ws.admin)), 403, "inactive")


def test_admin_manages_keys_and_the_secret_is_stored_hashed(client, runtime, ws, auth, problem) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/v1/api-keys", json={"name": "zapier", "scopes": ["read", "write"]}, headers=auth(ws.admin))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    secret = created["key"]
    assert secret.startswith("ak_") and created["prefix"] == secret[:11] and created["scopes"] == ["read", "write"]
    assert client.get("/v1/leads", headers=auth(secret)).status_code == 200
    listed = client.get("/v1/api-keys", headers=auth(ws.admin)).json()
    assert created["id"] in {k["id"] for k in listed} and all("key" not in k for k in listed)
    with runtime.sessions() as s:
        row = s.get(ApiKey, created["id"])
        assert row.key_hash != secret and secret not in row.key_hash and len(row.key_hash) == 64
        assert row.last_used_at is not None
    assert client.delete(f"/v1/api-keys/{created['id']}", headers=auth(ws.admin)).status_code == 204
    problem(client.get("/v1/leads", headers=auth(secret)), 401, "revoked")
    problem(client.post("/v1/api-keys", json={"name": "x", "scopes": ["root"]}, headers=auth(ws.admin)), 422,
            "scopes")
    with runtime.sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.entity_type == "api_key"))]
        assert actions == ["api_key.create", "api_key.revoke"]


def test_keys_of_another_workspace_are_not_found(client, ws, other, auth, problem) -> None:  # type: ignore[no-untyped-def]
    mine = client.post("/v1/api-keys", json={"name": "k", "scopes": ["read"]}, headers=auth(ws.admin)).json()
    problem(client.delete(f"/v1/api-keys/{mine['id']}", headers=auth(other.admin)), 404, "not found")
