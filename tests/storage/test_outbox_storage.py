"""Inbound provider messages are queued once, however often the provider redelivers them."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select, update

from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.models import OutboxEvent
from storage.outbox import INBOUND_MESSAGE, claim, enqueue_inbound
from storage.workspaces import create_workspace


def test_a_redelivered_inbound_message_is_queued_once(database_url: str) -> None:
    sessions = make_sessionmaker(make_engine(database_url))
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "A")
        assert enqueue_inbound(s, ws.id, "whatsapp", "wamid.1", {"text": "hi"})
        assert not enqueue_inbound(s, ws.id, "whatsapp", "wamid.1", {"text": "hi again"})
        assert enqueue_inbound(s, ws.id, "slack", "wamid.1", {"text": "other channel"})
    with unit_of_work(sessions) as s:
        assert not enqueue_inbound(s, ws.id, "whatsapp", "wamid.1", {"text": "next day"})
    with sessions() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
        assert [(e.event_type, e.payload["text"], e.status) for e in rows] == [
            (INBOUND_MESSAGE, "hi", "pending"), (INBOUND_MESSAGE, "other channel", "pending")]


def test_a_claim_with_nothing_due_only_reads(database_url: str) -> None:
    """Most worker rounds find nothing due; such a claim must not write (on SQLite a write takes the
    one write lock every agent turn waits for). With rows due it claims them as before."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2].lstrip().split()[0].upper()))
    now = datetime.now(UTC)
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "A")
        enqueue_inbound(s, ws.id, "whatsapp", "wamid.later", {"text": "hi"})
        s.flush()
        s.execute(update(OutboxEvent).values(available_at=now + timedelta(minutes=5)))  # not due yet
    statements.clear()
    with unit_of_work(sessions) as s:
        assert claim(s, OutboxEvent, "w1", now, timedelta(seconds=60), 10) == []
    assert statements == ["SELECT"]
    with unit_of_work(sessions) as s:
        claimed = claim(s, OutboxEvent, "w1", now + timedelta(minutes=6), timedelta(seconds=60), 10)
    assert [(e.locked_by, e.attempts) for e in claimed] == [("w1", 1)]
    assert "UPDATE" in statements
    engine.dispose()
