"""/v1/stages: read for everyone with a key, changes for admins, audited."""

from sqlalchemy import select

from storage.models import Activity, AuditLog, Lead


def keys(client, ws, auth) -> list[str]:  # type: ignore[no-untyped-def]
    return [s["key"] for s in client.get("/v1/stages", headers=auth(ws.reader)).json()]


def test_add_change_reorder(client, runtime, ws, auth, problem) -> None:  # type: ignore[no-untyped-def]
    h = auth(ws.admin)
    r = client.post("/v1/stages", json={"key": "proposal", "name": "Proposal", "win_probability": 60,
                                        "color": "#123abc", "auto_nurture": True, "sla_days": 5, "position": 4},
                    headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/stages/proposal"
    assert keys(client, ws, auth)[3:6] == ["demo_booked", "proposal", "opportunity"]
    problem(client.post("/v1/stages", json={"key": "proposal", "name": "Again"}, headers=h), 409, "already exists")
    problem(client.post("/v1/stages", json={"key": "Bad Key", "name": "x"}, headers=h), 422, "key")
    problem(client.post("/v1/stages", json={"key": "x", "name": "x", "color": "red"}, headers=h), 422, "color")
    problem(client.post("/v1/stages", json={"key": "x", "name": "x", "win_probability": 101}, headers=h), 422,
            "win_probability")
    r = client.patch("/v1/stages/proposal", json={"name": "Proposal sent", "position": 0, "sla_days": None},
                     headers=h)
    assert r.status_code == 200 and r.json()["name"] == "Proposal sent" and r.json()["sla_days"] is None
    assert keys(client, ws, auth)[0] == "proposal"
    problem(client.patch("/v1/stages/new", json={"outcome": "won"}, headers=h), 422, "outcome")
    problem(client.patch("/v1/stages/nope", json={"name": "x"}, headers=h), 404, "nope")
    order = list(reversed(keys(client, ws, auth)))
    assert [s["key"] for s in client.put("/v1/stages/order", json={"keys": order}, headers=h).json()] == order
    problem(client.put("/v1/stages/order", json={"keys": order[:-1]}, headers=h), 422, "keys")
    assert [s["position"] for s in client.get("/v1/stages", headers=h).json()] == list(range(len(order)))
    with runtime.sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
        assert actions == ["stage.create", "stage.update", "stage.reorder"]
        update = s.scalars(select(AuditLog).where(AuditLog.action == "stage.update")).one()
        assert update.changes["before"]["name"] == "Proposal" and update.changes["after"]["name"] == "Proposal sent"


def test_delete_stage(client, runtime, ws, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    h = auth(ws.admin)
    lead = make_lead(ws.id, "s@x.io", stage="contacted")
    gone = make_lead(ws.id, "g@x.io", stage="contacted")
    client.delete(f"/v1/leads/{gone}", headers=h)
    problem(client.delete("/v1/stages/new", headers=h), 409, "cannot be removed")
    problem(client.delete("/v1/stages/contacted", headers=h), 409, "1 lead", "move_to")
    problem(client.delete("/v1/stages/contacted?move_to=contacted", headers=h), 422, "move_to")
    assert client.delete("/v1/stages/contacted?move_to=qualified", headers=h).status_code == 204
    assert "contacted" not in keys(client, ws, auth)
    assert client.get(f"/v1/leads/{lead}", headers=h).json()["stage"] == "qualified"
    with runtime.sessions() as s:
        assert s.scalars(select(Activity).where(Activity.lead_id == lead, Activity.kind == "stage_change")
                         .order_by(Activity.id.desc())).first().data == {"from": "contacted", "to": "qualified"}
        assert s.get(Lead, gone).stage_id == s.get(Lead, lead).stage_id  # the anonymous count follows
    assert client.delete("/v1/stages/disqualified", headers=h).status_code == 204
    problem(client.delete("/v1/stages/disqualified", headers=h), 404)


def test_stages_are_per_workspace(client, ws, other, auth, problem) -> None:  # type: ignore[no-untyped-def]
    client.post("/v1/stages", json={"key": "proposal", "name": "Proposal"}, headers=auth(ws.admin))
    assert "proposal" not in keys(client, other, auth)
    problem(client.patch("/v1/stages/proposal", json={"name": "x"}, headers=auth(other.admin)), 404)
    problem(client.delete("/v1/stages/proposal", headers=auth(other.admin)), 404)
