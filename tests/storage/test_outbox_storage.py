"""Inbound provider messages are queued once, however often the provider redelivers them."""

from sqlalchemy import select

from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.models import OutboxEvent
from storage.outbox import INBOUND_MESSAGE, enqueue_inbound
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
