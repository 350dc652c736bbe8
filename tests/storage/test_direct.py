"""Direct statements store and read values exactly as the ORM does, inside the session's transaction."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, insert, select

from storage.contacts import new_contact_for_identity
from storage.conversations import new_conversation
from storage.db import IntegrityError, make_engine, make_sessionmaker, unit_of_work
from storage.direct import DirectStatement
from storage.models import Conversation, Message, OutboxEvent
from storage.workspaces import create_workspace

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
