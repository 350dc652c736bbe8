"""Storage on a real database (SQLite file, or PostgreSQL when LEADLINE_TEST_POSTGRES_URL is set)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from storage import contacts, conversations, leads, migrate
from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.models import Activity, Consent, Contact, Conversation, Lead, LeadScore, Message, PipelineStage
from storage.workspaces import DEFAULT_STAGES, UnknownWorkspace, create_workspace, get_active_workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_schema_is_at_head(database_url: str) -> None:
    engine = make_engine(database_url)
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.upgrade(engine)  # running again is harmless
    engine.dispose()


def test_workspace_gets_default_stages(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Acme")
        keys = list(s.scalars(select(PipelineStage.key).where(PipelineStage.workspace_id == ws.id)
                              .order_by(PipelineStage.position)))
        assert keys == [k for k, *_ in DEFAULT_STAGES]
        ws.active = False
        with pytest.raises(UnknownWorkspace):
            get_active_workspace(s, ws.id)
        with pytest.raises(UnknownWorkspace):
            get_active_workspace(s, "ws_nope")


def test_personal_data_is_encrypted_at_rest(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Acme")
        c = contacts.contact_for_identity(s, ws.id, "widget", "visitor-1")
        contacts.set_contact_fields(s, c, name="Jane Roe", email="Jane@Acme.io", phone="+14155550123")
        conv = conversations.conversation_for_thread(s, ws.id, c.id, "widget", "thread-1")
        conversations.add_message(s, conv, "visitor", "my email is jane@acme.io", at=NOW)
    with sessions() as s:
        raw = s.execute(text("SELECT name, email, phone, email_bidx FROM contacts")).one()
        assert b"Jane" not in bytes(raw[0]) and b"jane@acme.io" not in bytes(raw[1])
        assert raw[3] is not None and "jane" not in raw[3]
        body = s.execute(text("SELECT text FROM messages")).scalar_one()
        assert b"jane@acme.io" not in bytes(body)
        c = s.scalars(select(Contact)).one()
        assert (c.name, c.email, c.phone) == ("Jane Roe", "jane@acme.io", "+14155550123")
        assert contacts.contact_by_email(s, c.workspace_id, "JANE@acme.io").id == c.id


def test_provider_message_ids_are_unique(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Acme")
        c = contacts.contact_for_identity(s, ws.id, "whatsapp", "14155550123")
        conv = conversations.conversation_for_thread(s, ws.id, c.id, "whatsapp", "14155550123")
        conversations.add_message(s, conv, "visitor", "hi", at=NOW, provider_message_id="wamid.1")
    with pytest.raises(IntegrityError), unit_of_work(sessions) as s:
        conv = s.scalars(select(Conversation)).one()
        conversations.add_message(s, conv, "visitor", "hi", at=NOW, provider_message_id="wamid.1")
    with sessions() as s:
        assert s.scalar(select(Message.id).where(Message.provider_message_id == "wamid.1")) is not None
        assert len(s.scalars(select(Message)).all()) == 1


def test_merge_on_email_moves_everything(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Acme")
        a = contacts.contact_for_identity(s, ws.id, "widget", "w-1")
        contacts.set_contact_fields(s, a, email="sam@globex.com", name="Sam")
        lead_a = leads.create_lead(s, ws.id, a.id, source="website", channel="widget", at=NOW)
        leads.record_score(s, lead_a, rubric="bant", score=37, band="cold", breakdown={}, reason="conversation",
                           at=NOW)
        contacts.record_consent(s, a, granted=True, text="ok?", channel="widget", conversation_id=None)
        b = contacts.contact_for_identity(s, ws.id, "whatsapp", "447700900123")
        conv_b = conversations.conversation_for_thread(s, ws.id, b.id, "whatsapp", "447700900123")
        conversations.add_message(s, conv_b, "visitor", "hola", at=NOW)
        lead_b = leads.create_lead(s, ws.id, b.id, source="social_media", channel="whatsapp", at=NOW)
        leads.record_score(s, lead_b, rubric="bant", score=74, band="warm", breakdown={}, reason="conversation",
                           at=NOW)
        survivor = contacts.set_contact_fields(s, b, email="SAM@globex.com", phone="+447700900123")
        assert survivor.id == a.id
        ids = (a.id, b.id, lead_a.id)
    with sessions() as s:
        a_id, b_id, lead_id = ids
        assert s.get(Contact, b_id).merged_into_id == a_id
        assert s.get(Contact, a_id).phone == "+447700900123"
        assert {c.contact_id for c in s.scalars(select(Conversation))} == {a_id}
        assert [ld.id for ld in s.scalars(select(Lead))] == [lead_id]
        assert sorted(r.score for r in s.scalars(select(LeadScore))) == [37, 74]
        assert s.get(Lead, lead_id).score == 74
        assert len(s.scalars(select(Consent)).all()) == 1
        assert any("Merged" in act.summary for act in s.scalars(select(Activity)))
        assert len(s.scalars(select(Message)).all()) == 1


def test_score_records_are_immutable(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Acme")
        c = contacts.contact_for_identity(s, ws.id, "widget", "w-1")
        lead = leads.create_lead(s, ws.id, c.id, source="website", channel="widget", at=NOW)
        leads.record_score(s, lead, rubric="bant", score=50, band="lukewarm", breakdown={}, reason="manual", at=NOW)
    with pytest.raises(ValueError, match="immutable"), unit_of_work(sessions) as s:
        row = s.scalars(select(LeadScore)).one()
        row.score = 99
        s.flush()


def test_stage_change_writes_activity(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Acme")
        c = contacts.contact_for_identity(s, ws.id, "widget", "w-1")
        lead = leads.create_lead(s, ws.id, c.id, source="website", channel="widget", at=NOW)
        assert leads.move_stage(s, lead, "qualified", actor="user:1", at=NOW) == ("new", "qualified")
        assert leads.move_stage(s, lead, "qualified", actor="user:1", at=NOW) is None
        with pytest.raises(LookupError):
            leads.move_stage(s, lead, "nope", actor="user:1", at=NOW)
        kinds = [a.kind for a in s.scalars(select(Activity).where(Activity.lead_id == lead.id))]
        assert kinds.count("stage_change") == 1
