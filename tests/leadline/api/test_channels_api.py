"""/v1/channels: admin-only channel configuration with per-kind schemas, secrets encrypted at rest and
never returned (not in responses, not in the audit log), addresses unique across workspaces."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from storage.models import AuditLog

WHATSAPP = {"kind": "whatsapp", "address": "106540352242922", "name": "Sales line",
            "settings": {"display_phone_number": "+1 555 000 1111",
                         "template": {"name": "follow_up", "language": "en_US"}},
            "secrets": {"access_token": "EAAG-secret-token-1"}}


def test_an_admin_connects_a_whatsapp_number_and_the_token_is_never_shown(
        client: Any, ws: Any, auth: Any, runtime: Any) -> None:
    r = client.post("/v1/channels", json=WHATSAPP, headers=auth(ws.admin))
    assert r.status_code == 201, r.text
    out = r.json()
    assert r.headers["location"] == f"/v1/channels/{out['id']}"
    assert out["kind"] == "whatsapp" and out["address"] == "106540352242922" and out["active"] is True
    assert out["secrets_set"] == ["access_token"] and "secrets" not in out
    assert out["settings"]["template"] == {"name": "follow_up", "language": "en_US", "components": []}
    for path in ("/v1/channels", f"/v1/channels/{out['id']}"):
        listed = client.get(path, headers=auth(ws.admin))
        assert listed.status_code == 200 and "EAAG-secret-token-1" not in listed.text
    with runtime.engine.connect() as c:  # encrypted at rest, and kept out of the audit log
        raw = c.execute(text("SELECT secrets FROM channel_configs")).scalar_one()
    assert b"EAAG-secret-token-1" not in bytes(raw)
    with runtime.sessions() as s:
        entries = s.query(AuditLog).filter(AuditLog.action == "channel.create").all()
    assert len(entries) == 1 and "EAAG-secret-token-1" not in repr(entries[0].changes)
    assert entries[0].changes["after"]["secrets_set"] == ["access_token"]


def test_each_kind_has_its_own_schema(client: Any, ws: Any, auth: Any, problem: Any) -> None:
    h = auth(ws.admin)
    email = client.post("/v1/channels", json={"kind": "email", "address": "Leads@Acme.IO",
                                              "settings": {"from_name": "Acme sales"},
                                              "secrets": {"mailgun_signing_key": "key-1"}}, headers=h)
    assert email.status_code == 201 and email.json()["address"] == "leads@acme.io"
    slack = client.post("/v1/channels", json={"kind": "slack", "address": "T0123ABCD",
                                              "settings": {"bot_user_id": "U0BOT", "channels": ["C0SALES"]},
                                              "secrets": {"bot_token": "xoxb-1-2-3"}}, headers=h)
    assert slack.status_code == 201 and slack.json()["secrets_set"] == ["bot_token"]
    assert slack.json()["settings"] == {"bot_user_id": "U0BOT", "channels": ["C0SALES"]}
    assert [c["kind"] for c in client.get("/v1/channels?kind=slack", headers=h).json()] == ["slack"]

    missing = client.post("/v1/channels", json={**WHATSAPP, "secrets": {}}, headers=h)
    assert problem(missing, 422, "secrets.access_token")["errors"][0]["field"] == "secrets.access_token"
    problem(client.post("/v1/channels", json={**WHATSAPP, "address": "+1 555 0001"}, headers=h), 422, "digits")
    problem(client.post("/v1/channels", json={**WHATSAPP, "settings": {"colour": "red"}}, headers=h),
            422, "settings.colour")
    problem(client.post("/v1/channels", json={"kind": "email", "address": "not-an-address"}, headers=h),
            422, "e-mail")
    problem(client.post("/v1/channels", json={"kind": "slack", "address": "T0123ABCD",
                                              "secrets": {"bot_token": "hunter2"}}, headers=h), 422, "bot_token")
    problem(client.post("/v1/channels", json={"kind": "slack", "address": "T0123ABCE", "settings": {"channels": ["#x"]},
                                              "secrets": {"bot_token": "xoxb-1"}}, headers=h), 422, "settings.channels")
    problem(client.post("/v1/channels", json={"kind": "fax", "address": "1"}, headers=h), 422, "kind")
    assert len(client.get("/v1/channels", headers=h).json()) == 2  # nothing half-written


def test_an_address_belongs_to_one_workspace(client: Any, ws: Any, other: Any, auth: Any, problem: Any) -> None:
    assert client.post("/v1/channels", json=WHATSAPP, headers=auth(ws.admin)).status_code == 201
    problem(client.post("/v1/channels", json=WHATSAPP, headers=auth(other.admin)), 409, "already connected")


def test_update_merges_secrets_replaces_settings_and_is_audited(
        client: Any, ws: Any, auth: Any, problem: Any, runtime: Any) -> None:
    h = auth(ws.admin)
    cid = client.post("/v1/channels", json=WHATSAPP, headers=h).json()["id"]
    r = client.patch(f"/v1/channels/{cid}", json={"name": "Support", "active": False,
                                                  "secrets": {"access_token": "EAAG-rotated"},
                                                  "settings": {"media_reply": "Text only, please."}}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "Support" and body["active"] is False and body["settings"] == {
        "media_reply": "Text only, please."} and "EAAG-rotated" not in r.text
    with runtime.sessions() as s:
        from storage import channel_configs

        assert channel_configs.get_config(s, ws.id, cid).secrets == {"access_token": "EAAG-rotated"}
        [entry] = s.query(AuditLog).filter(AuditLog.action == "channel.update").all()
    assert entry.changes["after"]["secrets_changed"] == ["access_token"] and "EAAG" not in repr(entry.changes)
    # A required secret cannot be removed; null fields are refused; nothing changes on an error.
    problem(client.patch(f"/v1/channels/{cid}", json={"secrets": {"access_token": None}}, headers=h),
            422, "access_token")
    problem(client.patch(f"/v1/channels/{cid}", json={"name": None}, headers=h), 422, "name")
    assert client.get(f"/v1/channels/{cid}", headers=h).json()["name"] == "Support"


def test_only_admins_see_channels_and_only_their_own(
        client: Any, ws: Any, other: Any, auth: Any, problem: Any) -> None:
    cid = client.post("/v1/channels", json=WHATSAPP, headers=auth(ws.admin)).json()["id"]
    problem(client.get("/v1/channels", headers=auth(ws.member)), 403, "admin")
    problem(client.post("/v1/channels", json=WHATSAPP, headers=auth(ws.reader)), 403, "admin")
    problem(client.get("/v1/channels"), 401, "API key")
    problem(client.get(f"/v1/channels/{cid}", headers=auth(other.admin)), 404, cid)
    problem(client.delete(f"/v1/channels/{cid}", headers=auth(other.admin)), 404, cid)


def test_delete_disconnects_the_channel(client: Any, ws: Any, auth: Any, problem: Any, runtime: Any) -> None:
    h = auth(ws.admin)
    cid = client.post("/v1/channels", json=WHATSAPP, headers=h).json()["id"]
    assert client.delete(f"/v1/channels/{cid}", headers=h).status_code == 204
    problem(client.get(f"/v1/channels/{cid}", headers=h), 404, cid)
    with runtime.sessions() as s:
        assert [e.action for e in s.query(AuditLog).order_by(AuditLog.id)] == ["channel.create", "channel.delete"]
    # The address is free again.
    assert client.post("/v1/channels", json=WHATSAPP, headers=h).status_code == 201
