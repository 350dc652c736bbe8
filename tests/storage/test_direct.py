"""Direct statements store and read values exactly as the ORM does, inside the session's transaction, and
the ORM objects they load, insert or update are left as a query or a flush would leave them."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, insert, select, update

from storage.contacts import new_contact_for_identity
from storage.conversations import new_conversation
from storage.db import IntegrityError, make_engine, make_sessionmaker, unit_of_work
from storage.direct import DirectStatement, columns, flush_changes, insert_now, loaded
from storage.leads import create_lead, record_score
from storage.models import Activity, Contact, Conversation, Lead, LeadScore, Message, OutboxEvent
from storage.workspaces import create_workspace, stage_by_key

AT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
_COLUMNS = ("workspace_id", "conversation_id", "role", "channel", "text", "provider_message_id", "created_at")
INSERT_MESSAGE = DirectStatement(insert(Message.__table__).values({c: bindparam(c) for c in _COLUMNS})
                                 .returning(Message.__table__.c.id))
READ_MESSAGE = DirectStatement(select(Message.id, Message.text, Message.created_at, Message.delivery_status)
                               .where(Message.id == bindparam("id")))


@pytest.fixture
def sessions(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _conversation(sessions) -> Conversation:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "A")
        contact = new_contact_for_identity(s, ws.id, "widget", "visitor-1")
        conv = new_conversation(s, ws.id, contact.id, "widget", "thread-1")
    return conv


def _message(conv: Conversation, text: str, pid: str | None) -> dict[str, object]:
    return {"workspace_id": conv.workspace_id, "conversation_id": conv.id, "role": "visitor",
            "channel": "widget", "text": text, "provider_message_id": pid, "created_at": AT}


def test_values_are_stored_as_the_orm_stores_them(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    with unit_of_work(sessions) as s:
        s.add(Message(**_message(conv, "through the ORM", "p1")))
        s.flush()
        [(direct_id,)] = INSERT_MESSAGE.rows(s, _message(conv, "direct", "p2"))
    with sessions() as s:
        # The stored form (SQLite keeps datetimes as text) is the same, so comparisons and order hold.
        stored = s.connection().exec_driver_sql(
            "SELECT provider_message_id, created_at FROM messages ORDER BY id").all()
        assert stored[0][1] == stored[1][1]
        assert s.get(Message, direct_id).text == "direct"
        assert s.get(Message, direct_id).created_at == AT


def test_rows_come_back_as_the_orm_reads_them(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    with unit_of_work(sessions) as s:
        msg = Message(**_message(conv, "héllo", "p1"))
        s.add(msg)
        s.flush()
        assert READ_MESSAGE.first(s, {"id": msg.id}) == (msg.id, "héllo", AT, None)
        assert READ_MESSAGE.first(s, {"id": -1}) is None


def test_it_runs_in_the_sessions_transaction(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    with pytest.raises(RuntimeError), unit_of_work(sessions) as s:
        INSERT_MESSAGE.rows(s, _message(conv, "rolled back", "p1"))
        raise RuntimeError("the turn failed")
    with sessions() as s:
        assert s.scalars(select(Message)).all() == []


def test_the_engines_statement_hooks_see_it(sessions) -> None:  # type: ignore[no-untyped-def]
    """SQLite's writer queue is taken in such a hook; a direct write must queue like any other."""
    conv = _conversation(sessions)
    seen: list[str] = []
    engine = sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2].split()[0]))
    with unit_of_work(sessions) as s:
        INSERT_MESSAGE.rows(s, _message(conv, "x", "p1"))
    assert seen == ["INSERT"]


def test_a_constraint_violation_is_sqlalchemys_integrity_error(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    with pytest.raises(IntegrityError), unit_of_work(sessions) as s:
        INSERT_MESSAGE.rows(s, _message(conv, "first", "p1"))
        INSERT_MESSAGE.rows(s, _message(conv, "redelivered", "p1"))
    with sessions() as s:
        assert s.scalars(select(Message)).all() == []


def test_python_column_defaults_apply_and_missing_values_are_named(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    stmt = DirectStatement(insert(OutboxEvent.__table__).values(
        workspace_id=bindparam("ws"), event_type=bindparam("type"), payload=bindparam("payload"),
    ).returning(OutboxEvent.__table__.c.id))
    with unit_of_work(sessions) as s:
        [(row_id,)] = stmt.rows(s, {"ws": conv.workspace_id, "type": "t", "payload": {"a": [1]}})
        with pytest.raises(KeyError, match="'payload'"):
            stmt.rows(s, {"ws": conv.workspace_id, "type": "t"})
    with sessions() as s:
        row = s.get(OutboxEvent, row_id)
        assert (row.status, row.attempts, row.payload) == ("pending", 0, {"a": [1]})
        assert row.event_id.startswith("evt_") and row.available_at.tzinfo is not None


def test_expanding_parameters_are_refused(sessions) -> None:  # type: ignore[no-untyped-def]
    stmt = DirectStatement(select(Message.id).where(Message.id.in_(bindparam("ids", expanding=True))))
    with sessions() as s, pytest.raises(ValueError, match="expanding"):
        stmt.rows(s, {"ids": [1, 2]})


def _statements(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    event.listen(sessions.kw["bind"], "before_cursor_execute", lambda *a: seen.append(a[2].split()[0]))
    return seen


def test_loaded_objects_are_the_sessions_and_unchanged(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    by_id = DirectStatement(select(*columns(Contact)).where(Contact.id == bindparam("id")))
    statements = _statements(sessions)
    with unit_of_work(sessions) as s:
        contact = loaded(s, Contact, by_id.first(s, {"id": conv.contact_id}))
        assert contact is not None and contact in s and contact.id == conv.contact_id
        assert contact.created_at.tzinfo is not None and contact.name is None
        assert loaded(s, Contact, by_id.first(s, {"id": conv.contact_id})) is contact  # one object per row
        assert s.get(Contact, conv.contact_id) is contact
        assert loaded(s, Contact, [None] * len(columns(Contact))) is None  # an outer join's missing row
        statements.clear()
    assert statements == []  # nothing to flush at commit


def test_insert_now_writes_at_once_in_call_order(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    statements = _statements(sessions)
    with unit_of_work(sessions) as s:
        lead = Lead(id="lead_1", workspace_id=conv.workspace_id, contact_id=conv.contact_id,
                    stage_id=stage_by_key(s, conv.workspace_id, "new").id, source="chat", channel="widget",
                    captured_at=AT, last_activity_at=AT, tags=[], crm_ids={})
        insert_now(s, lead)
        activity = Activity(workspace_id=lead.workspace_id, lead_id=lead.id, kind="note", summary="hi")
        insert_now(s, activity)  # refers to the lead: it must be stored already
        assert statements[-2:] == ["INSERT", "INSERT"]
        assert isinstance(activity.id, int)  # generated by the database, read back
        assert (activity.actor, activity.data) == ("system", {})  # Python column defaults
        assert activity in s and lead in s
        statements.clear()
    assert statements == []  # nothing left to flush at commit
    with sessions() as s:
        assert s.get(Activity, activity.id).summary == "hi"


def test_flush_changes_writes_changed_columns_and_leaves_objects_clean(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    with sessions() as s:
        before = s.get(Contact, conv.contact_id).updated_at
    statements = _statements(sessions)
    with unit_of_work(sessions) as s:
        contact = s.get(Contact, conv.contact_id)
        contact.name, contact.company = "Ann Lee", "Acme"
        statements.clear()
        flush_changes(s)
        assert statements == ["UPDATE"]
        assert contact not in s.dirty and contact.name == "Ann Lee"
        statements.clear()
    assert statements == []
    with sessions() as s:
        stored = s.get(Contact, conv.contact_id)
        assert (stored.name, stored.company) == ("Ann Lee", "Acme")
        assert stored.updated_at > before  # its onupdate column, as a flush would set it


def test_flush_changes_leaves_models_with_update_hooks_to_the_orm(sessions) -> None:  # type: ignore[no-untyped-def]
    """Score records refuse updates in a before_update hook; a direct UPDATE must not slip past it."""
    conv = _conversation(sessions)
    with unit_of_work(sessions) as s:
        lead = create_lead(s, conv.workspace_id, conv.contact_id, source="chat", channel="widget", at=AT)
        record_score(s, lead, rubric="bant", score=50, band="warm", breakdown={}, reason="conversation", at=AT)
    with pytest.raises(ValueError, match="immutable"), unit_of_work(sessions) as s:
        score = s.scalars(select(LeadScore)).one()
        score.score = 99
        flush_changes(s)
    with sessions() as s:
        assert s.scalars(select(LeadScore.score)).one() == 50


def test_run_many_runs_each_parameter_set_and_counts_the_rows(sessions) -> None:  # type: ignore[no-untyped-def]
    conv = _conversation(sessions)
    with unit_of_work(sessions) as s:
        ids = [INSERT_MESSAGE.rows(s, _message(conv, f"m{i}", f"p{i}"))[0][0] for i in range(3)]
    mark = DirectStatement(update(Message.__table__).where(Message.__table__.c.id == bindparam("_id"))
                           .values(delivery_status=bindparam("_status")))
    with unit_of_work(sessions) as s:
        assert mark.run_many(s, [{"_id": ids[0], "_status": "sent"}, {"_id": ids[2], "_status": "read"},
                                 {"_id": -1, "_status": "sent"}]) == 2
    with sessions() as s:
        assert [s.get(Message, i).delivery_status for i in ids] == ["sent", None, "read"]
