"""DELETE /v1/leads/{id}: GDPR erasure really removes the person's data; anonymous counts stay."""

from typing import Any

from sqlalchemy import select, text

from storage import contacts
from storage.crypto import vault
from storage.db import unit_of_work
from storage.models import Activity, AuditLog, Contact, Lead, OutboxEvent

PII = ("Erin Erased", "erin@secret.io", "+14155550199", "Secretive Corp", "I sign off on it", "we have $40k a year",
       "my private budget note", "private notes", "Consent wording for Erin")


def raw_dump(runtime: Any) -> str:
    """Every value of every table, with encrypted columns decrypted, as one text to search."""
    out: list[str] = []
    with runtime.sessions() as s:
        tables = [r[0] for r in s.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'" if s.get_bind().dialect.name == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE schemaname='public'"))]
        for table in tables:
            for row in s.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        blob = bytes(value)
                        try:
                            out.append(vault().decrypt(blob))
                        except Exception:
                            out.append(blob.decode("latin-1"))
                    else:
                        out.append(str(value))
    return "\n".join(out)


def test_delete_erases_the_person_everywhere(client, runtime, ws, auth, make_lead, bant) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "erin@secret.io", name="Erin Erased", phone="+14155550199", company="Secretive Corp",
                     score=60, band="warm", stage="qualified", breakdown=bant, deal_value_cents=500_000,
                     messages=["Hello, we have $40k a year", "Who decides?", "I sign off on it"])
    with unit_of_work(runtime.sessions) as s:
        c = s.get(Contact, s.get(Lead, lead).contact_id)
        contacts.record_consent(s, c, granted=True, text="Consent wording for Erin", channel="widget",
                                conversation_id=None)
        # a second identity merged into this contact keeps company/title until erasure
        dup = contacts.contact_for_identity(s, ws.id, "whatsapp", "14155550199")
        contacts.set_contact_fields(s, dup, company="Secretive Corp", title="CFO")
        contacts.set_contact_fields(s, dup, email="erin@secret.io")
    h = auth(ws.member)
    client.patch(f"/v1/leads/{lead}", json={"notes": "private notes", "tags": ["erin"]}, headers=h)
    client.post(f"/v1/leads/{lead}/activities", json={"kind": "note", "summary": "my private budget note"}, headers=h)
    before = raw_dump(runtime)
    assert all(p in before for p in PII)

    r = client.delete(f"/v1/leads/{lead}", headers=auth(ws.admin))
    assert r.status_code == 204 and r.content == b""
    after = raw_dump(runtime)
    leaked = [p for p in PII if p in after]
    assert leaked == []
    with runtime.sessions() as s:
        row = s.get(Lead, lead)
        assert row.deleted_at is not None and row.notes is None and row.tags == []
        # anonymous facts stay, so counts survive
        assert (row.score, row.source, row.channel, row.deal_value_cents) == (60, "website", "widget", 500_000)
        assert s.execute(text("SELECT count(*) FROM contacts")).scalar() == 2  # the merged duplicate too
        raw = s.execute(text("SELECT name, email, phone, email_bidx, phone_bidx, company, title FROM contacts")).all()
        assert all(v is None for r in raw for v in r)
        assert s.execute(text("SELECT count(*) FROM messages")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM conversations")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM channel_identities")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM lead_scores")).scalar() == 1
        kinds = {a.kind for a in s.scalars(select(Activity).where(Activity.lead_id == lead))}
        assert "stage_change" in kinds and "note" in kinds  # the timeline's shape stays, its texts go
        erase = s.scalars(select(AuditLog).where(AuditLog.action == "lead.erase")).one()
        assert erase.actor.startswith("api_key:") and erase.changes["after"]["deleted_at"]
        assert [e.payload["lead_id"] for e in s.scalars(select(OutboxEvent).where(
            OutboxEvent.event_type == "lead.erased"))] == [lead]
    # the lead is gone from the API; deleting again is 404
    assert client.get(f"/v1/leads/{lead}", headers=h).status_code == 404
    assert client.delete(f"/v1/leads/{lead}", headers=auth(ws.admin)).status_code == 404
    sources = client.get("/v1/analytics/sources", headers=h).json()
    assert sources["total"] == 1 and sources["by_source"][0]["key"] == "website"
    assert client.get("/v1/analytics/pipeline", headers=h).json()["total"] == 0
    # the same person coming back is a new, unrelated lead
    again = client.post("/v1/leads", json={"first_name": "Erin", "last_name": "E", "email": "erin@secret.io"},
                        headers=h)
    assert again.status_code == 201 and again.json()["id"] != lead


def test_delete_needs_admin_and_the_own_workspace(client, ws, other, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "k@x.io")
    problem(client.delete(f"/v1/leads/{lead}", headers=auth(ws.member)), 403, "admin")
    problem(client.delete(f"/v1/leads/{lead}", headers=auth(other.admin)), 404, lead)
    assert client.get(f"/v1/leads/{lead}", headers=auth(ws.reader)).json()["email"] == "k@x.io"
