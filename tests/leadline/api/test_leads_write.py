"""Creating, reading, updating leads, logging activities and bulk actions, with audit and outbox."""

from typing import Any

from sqlalchemy import select

from storage.models import Activity, AuditLog, Lead, OutboxEvent


def audit_rows(runtime: Any, entity_id: str) -> list[AuditLog]:
    with runtime.sessions() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.entity_id == entity_id).order_by(AuditLog.id)))


def events(runtime: Any, event_type: str) -> list[dict[str, Any]]:
    with runtime.sessions() as s:
        return [e.payload for e in s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type)
                                             .order_by(OutboxEvent.id))]


NEW = {"first_name": "Ana", "last_name": "Silva", "email": "Ana.Silva@Northwind.io"}


def test_create_by_hand(client, runtime, ws, auth) -> None:  # type: ignore[no-untyped-def]
    body = {**NEW, "phone": "+351 912 345 678", "company": "Northwind", "deal_value_cents": 4_000_000,
            "source": "event", "stage": "contacted", "tags": ["Expo", "expo"], "owner": "rep@acme.io",
            "notes": "met at the booth"}
    r = client.post("/v1/leads", json=body, headers=auth(ws.member))
    assert r.status_code == 201, r.text
    lead = r.json()
    assert r.headers["location"] == f"/v1/leads/{lead['id']}"
    assert lead["name"] == "Ana Silva" and lead["email"] == "ana.silva@northwind.io"
    assert lead["phone"] == "+351912345678" and lead["stage"] == "contacted" and lead["tags"] == ["expo"]
    assert lead["source"] == "event" and lead["channel"] is None and lead["deal_value_cents"] == 4_000_000
    [row] = audit_rows(runtime, lead["id"])
    assert row.action == "lead.create" and row.actor.startswith("api_key:key_")
    assert row.changes["before"] is None and row.changes["after"]["email"] == "ana.silva@northwind.io"
    [evt] = events(runtime, "lead.captured")
    assert evt["lead_id"] == lead["id"] and evt["workspace_id"] == ws.id
    # the same e-mail again is the same person: its lead comes back, nothing new is made
    again = client.post("/v1/leads", json={**NEW, "email": "ana.silva@northwind.io", "title": "CTO"},
                        headers=auth(ws.member))
    assert again.status_code == 200 and again.json()["id"] == lead["id"] and again.json()["title"] == "CTO"
    assert len(events(runtime, "lead.captured")) == 1
    with runtime.sessions() as s:
        assert len(s.scalars(select(Lead)).all()) == 1


def test_create_requires_names_and_a_valid_email(client, ws, auth, problem) -> None:  # type: ignore[no-untyped-def]
    for missing in ("first_name", "last_name", "email"):
        body = {k: v for k, v in NEW.items() if k != missing}
        problem(client.post("/v1/leads", json=body, headers=auth(ws.member)), 422, missing)
    problem(client.post("/v1/leads", json={**NEW, "email": "ana@"}, headers=auth(ws.member)), 422, "email")
    problem(client.post("/v1/leads", json={**NEW, "phone": "12"}, headers=auth(ws.member)), 422, "phone")
    problem(client.post("/v1/leads", json={**NEW, "stage": "won_big"}, headers=auth(ws.member)), 422, "stage")
    problem(client.post("/v1/leads", json={**NEW, "deal_value_cents": -1}, headers=auth(ws.member)), 422,
            "deal_value_cents")
    problem(client.post("/v1/leads", json={**NEW, "first_name": "  "}, headers=auth(ws.member)), 422, "first_name")


def test_detail_has_profile_bant_quotes_transcript_and_timeline(client, ws, auth, make_lead, bant) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "d@x.io", score=60, band="warm", stage="qualified", breakdown=bant,
                     messages=["Hi, we have $40k a year", "Great! Who decides?", "I sign off on it"])
    r = client.get(f"/v1/leads/{lead}", headers=auth(ws.reader))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["email"] == "d@x.io" and d["stage"] == "qualified"
    sb = d["score_breakdown"]
    assert sb["score"] == 60 and sb["rubric"] == "bant"
    dims = {x["key"]: x for x in sb["dimensions"]}
    assert dims["budget"]["quote"] == "we have $40k a year" and dims["budget"]["points"] == 25
    assert dims["timing"]["quote"] is None
    assert [m["role"] for m in d["transcript"]] == ["visitor", "agent", "visitor"]
    assert d["transcript"][0]["text"] == "Hi, we have $40k a year"
    kinds = [a["kind"] for a in d["timeline"]]
    assert "stage_change" in kinds and "agent_action" in kinds
    assert [h["score"] for h in d["score_history"]] == [60]


def test_patch_moves_stage_with_activity_event_and_audit(client, runtime, ws, auth, make_lead) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "p@x.io")
    r = client.patch(f"/v1/leads/{lead}", json={
        "stage": "qualified", "tags": ["hot"], "owner": "rep@acme.io", "deal_value_cents": 990_000,
        "next_follow_up_at": "2026-12-01T10:00:00+01:00", "notes": "call after budget review",
    }, headers=auth(ws.member))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["stage"] == "qualified" and out["tags"] == ["hot"] and out["owner"] == "rep@acme.io"
    assert out["next_follow_up_at"].startswith("2026-12-01T09:00:00")
    with runtime.sessions() as s:
        acts = s.scalars(select(Activity).where(Activity.lead_id == lead, Activity.kind == "stage_change")).all()
        assert len(acts) == 1 and acts[0].data == {"from": "new", "to": "qualified"}
        assert acts[0].actor.startswith("api_key:")
        assert s.get(Lead, lead).notes == "call after budget review"
    [evt] = events(runtime, "lead.stage_changed")
    assert evt["lead_id"] == lead and evt["data"]["from"] == "new" and evt["data"]["to"] == "qualified"
    row = audit_rows(runtime, lead)[-1]
    assert row.action == "lead.update" and row.actor.startswith("api_key:key_")
    assert row.changes["before"]["stage"] == "new" and row.changes["after"]["stage"] == "qualified"
    assert row.changes["before"]["owner"] is None and row.changes["after"]["deal_value_cents"] == 990_000
    # clearing with null; an unchanged value writes no audit row
    r = client.patch(f"/v1/leads/{lead}", json={"owner": None, "stage": "qualified"}, headers=auth(ws.member))
    assert r.json()["owner"] is None and r.json()["stage"] == "qualified"
    assert audit_rows(runtime, lead)[-1].changes == {"before": {"owner": "rep@acme.io"}, "after": {"owner": None}}
    n = len(audit_rows(runtime, lead))
    client.patch(f"/v1/leads/{lead}", json={"stage": "qualified"}, headers=auth(ws.member))
    assert len(audit_rows(runtime, lead)) == n and len(events(runtime, "lead.stage_changed")) == 1


def test_patch_rejects_bad_input_and_changes_nothing(client, runtime, ws, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "q@x.io")
    problem(client.patch(f"/v1/leads/{lead}", json={"stage": "nope", "owner": "x"}, headers=auth(ws.member)),
            422, "stage", "nope")
    problem(client.patch(f"/v1/leads/{lead}", json={"stage": None}, headers=auth(ws.member)), 422, "stage")
    problem(client.patch(f"/v1/leads/{lead}", json={"next_follow_up_at": "2026-12-01T10:00:00"},
                         headers=auth(ws.member)), 422, "next_follow_up_at")
    problem(client.patch(f"/v1/leads/{lead}", json={"score": 100}, headers=auth(ws.member)), 422, "score")
    problem(client.patch("/v1/leads/lead_nope", json={"owner": "x"}, headers=auth(ws.member)), 404, "lead_nope")
    with runtime.sessions() as s:
        assert s.get(Lead, lead).owner is None
    assert audit_rows(runtime, lead) == []


def test_log_activities(client, runtime, ws, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "a@x.io")
    for kind in ("call", "email", "meeting", "note"):
        r = client.post(f"/v1/leads/{lead}/activities", json={"kind": kind, "summary": f"a {kind}"},
                        headers=auth(ws.member))
        assert r.status_code == 201, r.text
        assert r.json()["kind"] == kind and r.json()["actor"].startswith("api_key:")
    old = client.post(f"/v1/leads/{lead}/activities", json={"kind": "call", "summary": "old call",
                                                            "occurred_at": "2020-01-01T00:00:00Z"},
                      headers=auth(ws.member))
    assert old.json()["at"].startswith("2020-01-01")
    problem(client.post(f"/v1/leads/{lead}/activities", json={"kind": "stage_change", "summary": "x"},
                        headers=auth(ws.member)), 422, "kind")
    problem(client.post(f"/v1/leads/{lead}/activities", json={"kind": "note", "summary": ""},
                        headers=auth(ws.member)), 422, "summary")
    timeline = client.get(f"/v1/leads/{lead}", headers=auth(ws.reader)).json()["timeline"]
    assert [a["summary"] for a in timeline][:4] == ["a note", "a meeting", "a email", "a call"]
    with runtime.sessions() as s:
        assert s.get(Lead, lead).last_activity_at.year == 2026  # the old call did not make it look idle
    assert [r.action for r in audit_rows(runtime, lead)] == ["lead.activity"] * 5


def test_bulk_actions(client, runtime, ws, auth, make_lead) -> None:  # type: ignore[no-untyped-def]
    leads = [make_lead(ws.id, f"b{i}@x.io", tags=["old"]) for i in range(3)]

    def bulk(**body: Any) -> dict[str, Any]:
        r = client.post("/v1/leads/bulk", json={"ids": leads, **body}, headers=auth(ws.member))
        assert r.status_code == 200, r.text
        return r.json()

    assert bulk(action="tag", tags=["hot", "old"]) == {"action": "tag", "matched": 3, "changed": 3}
    assert bulk(action="untag", tags=["old"])["changed"] == 3
    assert bulk(action="stage", stage="contacted")["changed"] == 3
    assert bulk(action="stage", stage="contacted")["changed"] == 0
    assert bulk(action="sync")["changed"] == 3
    assert bulk(action="notify", message="call these today")["changed"] == 3
    with runtime.sessions() as s:
        rows = [s.get(Lead, i) for i in leads]
        assert all(r.tags == ["hot"] and r.crm_sync_status == "pending" for r in rows)
        assert all(len(s.scalars(select(Activity).where(Activity.lead_id == i, Activity.kind == "stage_change"))
                       .all()) == 1 for i in leads)
    assert {e["lead_id"] for e in events(runtime, "lead.stage_changed")} == set(leads)
    assert {e["lead_id"] for e in events(runtime, "lead.sync_requested")} == set(leads)
    notes = events(runtime, "lead.notify")
    assert len(notes) == 3 and notes[0]["data"]["message"] == "call these today"
    actions = [r.action for r in audit_rows(runtime, leads[0])]
    assert actions == ["lead.bulk_tag", "lead.bulk_untag", "lead.bulk_stage", "lead.bulk_sync", "lead.bulk_notify"]
    tag_row = audit_rows(runtime, leads[0])[0]
    assert tag_row.changes == {"before": {"tags": ["old"]}, "after": {"tags": ["old", "hot"]}}


def test_bulk_is_limited_to_200_and_all_or_nothing(client, runtime, ws, other, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    mine = make_lead(ws.id, "m@x.io")
    theirs = make_lead(other.id, "t@x.io")
    body = problem(client.post("/v1/leads/bulk", json={"ids": [f"lead_{i}" for i in range(201)], "action": "sync"},
                               headers=auth(ws.member)), 422, "200", "201")
    assert body["errors"][0]["field"] == "ids"
    problem(client.post("/v1/leads/bulk", json={"ids": [mine], "action": "tag"}, headers=auth(ws.member)), 422,
            "tags")
    problem(client.post("/v1/leads/bulk", json={"ids": [mine], "action": "stage"}, headers=auth(ws.member)), 422,
            "stage")
    problem(client.post("/v1/leads/bulk", json={"ids": [mine], "action": "delete"}, headers=auth(ws.member)), 422,
            "action")
    body = problem(client.post("/v1/leads/bulk", json={"ids": [mine, theirs], "action": "tag", "tags": ["x"]},
                               headers=auth(ws.member)), 404, theirs, "nothing was changed")
    assert body["missing"] == [theirs]
    with runtime.sessions() as s:
        assert s.get(Lead, mine).tags == [] and s.get(Lead, theirs).tags == []
    ok = client.post("/v1/leads/bulk", json={"ids": [mine] * 250, "action": "tag", "tags": ["x"]},
                     headers=auth(ws.member))
    assert ok.status_code == 200 and ok.json()["matched"] == 1  # duplicates count once
