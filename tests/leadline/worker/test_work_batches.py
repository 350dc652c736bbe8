"""How the worker runs a claimed batch of work events: agent turns one after the other in the order
the messages came, replies sent in parallel across conversations but in order within one, turns not
reached within half the lease given back, and the in-process worker woken by a webhook's queueing."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from agent.types import InboundMessage
from leadline.worker import InProcessWorker, Worker, drain
from leadline.worker.work import REPLY_SENDERS
from storage import outbox
from storage.db import unit_of_work
from storage.models import Message, OutboxEvent


def _inbound(ws: str, who: str, text: str, pid: str) -> dict:
    return InboundMessage(workspace_id=ws, channel="whatsapp", sender_id=who, thread_id=f"pn:{who}", text=text,
                          provider_message_id=pid, reply_route={"to": who}).model_dump(mode="json")


def _queue(rt, ws: str, who: str, text: str, pid: str) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(rt.sessions) as s:
        assert outbox.enqueue_inbound(s, ws, "whatsapp", pid, _inbound(ws, who, text, pid))


@pytest.fixture
def sender(monkeypatch) -> Callable[[Callable[[dict], None]], list[dict]]:  # type: ignore[no-untyped-def]
    """Install a WhatsApp reply sender that runs `before(payload)` and then records the payload."""

    def install(before: Callable[[dict], None]) -> list[dict]:
        sent: list[dict] = []
        lock = threading.Lock()

        def send_reply(runtime: Any, event_id: str, payload: dict) -> str:
            before(payload)
            with lock:
                sent.append(payload)
                return f"wamid.out.{len(sent)}"

        module = types.ModuleType("fake_batch_send")
        module.send_reply = send_reply  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "fake_batch_send", module)
        monkeypatch.setitem(REPLY_SENDERS, "whatsapp", "fake_batch_send:send_reply")
        return sent

    return install


def test_turns_of_a_batch_run_in_order_and_replies_keep_their_conversations_order(rt, ws_id, sender) -> None:  # type: ignore[no-untyped-def]
    def slow_first(payload: dict) -> None:
        if payload["in_reply_to"] == "wamid.a1":
            time.sleep(0.2)  # sent in parallel with a2, a2 would overtake it

    sent = sender(slow_first)
    _queue(rt, ws_id, "4915550001", "Hi, what does the Business plan cost?", "wamid.a1")
    _queue(rt, ws_id, "4915550001", "And is there a free trial?", "wamid.a2")
    drain(rt)
    assert [p["in_reply_to"] for p in sent] == ["wamid.a1", "wamid.a2"]
    with rt.sessions() as s:
        visitor = s.scalars(select(Message).where(Message.role == "visitor").order_by(Message.created_at,
                                                                                       Message.id)).all()
        assert [m.provider_message_id for m in visitor] == ["wamid.a1", "wamid.a2"]
        assert {m.provider_message_id for m in s.scalars(select(Message).where(Message.role == "agent"))} == {
            "wamid.out.1", "wamid.out.2"}
        assert {e.status for e in s.scalars(select(OutboxEvent))} == {"delivered"}


def test_replies_of_different_conversations_are_sent_in_parallel(rt, ws_id, sender) -> None:  # type: ignore[no-untyped-def]
    other_sent = threading.Event()

    def wait_for_the_other(payload: dict) -> None:
        if payload["route"]["to"] == "4915550001":
            # Sent one after the other (this one is first), the other reply could never be sent meanwhile.
            assert other_sent.wait(5), "the second conversation's reply waited for the first one's"
        else:
            other_sent.set()

    sent = sender(wait_for_the_other)
    _queue(rt, ws_id, "4915550001", "Hi, pricing please", "wamid.p1")
    _queue(rt, ws_id, "4915550002", "Hello, can I book a demo?", "wamid.q1")
    drain(rt)
    assert [p["route"]["to"] for p in sent] == ["4915550002", "4915550001"]
    with rt.sessions() as s:
        replies = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == outbox.CHANNEL_REPLY)).all()
    assert [(e.status, e.attempts) for e in replies] == [("delivered", 1)] * 2  # neither send failed waiting


def test_turns_not_reached_within_half_the_lease_go_back_to_the_queue(rt, ws_id, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rt.settings.worker_lease_seconds = 0.2  # a turn slower than half of it ends the batch's turns
    ran: list[str] = []

    def slow_handle(msg: InboundMessage) -> None:
        ran.append(msg.provider_message_id or "")
        time.sleep(0.15)

    monkeypatch.setattr(rt.agent, "handle", slow_handle)
    for i in range(3):
        _queue(rt, ws_id, f"49155500{i}", "Hi", f"wamid.slow{i}")
    worker = Worker(rt)
    try:
        assert worker.process_outbox() == 3
    finally:
        worker.close()
    assert ran == ["wamid.slow0"]
    with rt.sessions() as s:
        events = {e.event_id: e for e in s.scalars(select(OutboxEvent))}
    first = events[outbox.inbound_event_id(ws_id, "whatsapp", "wamid.slow0")]
    assert first.status == "delivered" and first.attempts == 1
    for i in (1, 2):
        rest = events[outbox.inbound_event_id(ws_id, "whatsapp", f"wamid.slow{i}")]
        # Due again at once, unleased, and the attempt that never ran is not counted.
        assert (rest.status, rest.attempts, rest.locked_by, rest.last_error) == ("pending", 0, None, None)
    monkeypatch.undo()
    drain(rt)
    with rt.sessions() as s:
        assert {e.status for e in s.scalars(select(OutboxEvent).where(
            OutboxEvent.event_type == outbox.INBOUND_MESSAGE))} == {"delivered"}


def test_the_in_process_worker_is_woken_by_a_queued_inbound_message(rt, ws_id, sender) -> None:  # type: ignore[no-untyped-def]
    rt.settings.worker_poll_seconds = 30.0  # only the wake-up can make it fast
    replied = threading.Event()
    sender(lambda payload: replied.set())
    worker = InProcessWorker(rt).start()
    try:
        time.sleep(0.2)  # let it go idle
        started = time.monotonic()
        _queue(rt, ws_id, "4915550009", "Hi, pricing?", "wamid.wake")  # a Core insert, as the webhook's
        assert replied.wait(5)
        took = time.monotonic() - started
    finally:
        worker.stop()
    assert took < 5


def test_a_reply_whose_provider_id_cannot_be_written_is_still_recorded_as_sent(rt, ws_id, sender, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sent = sender(lambda payload: None)
    real = outbox.resolve_pending_message

    def failing(s, workspace_id: str, event_id: str, provider_id: str) -> bool:  # type: ignore[no-untyped-def]
        if provider_id == "wamid.out.1":
            raise RuntimeError("disk full")
        return real(s, workspace_id, event_id, provider_id)

    monkeypatch.setattr(outbox, "resolve_pending_message", failing)
    _queue(rt, ws_id, "4915550001", "Hi, pricing please", "wamid.f1")
    _queue(rt, ws_id, "4915550002", "Hello, can I book a demo?", "wamid.f2")
    drain(rt)
    with rt.sessions() as s:
        replies = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == outbox.CHANNEL_REPLY)).all()
        agent_ids = {m.provider_message_id for m in s.scalars(select(Message).where(Message.role == "agent"))}
    # Both sent once and recorded as sent (sent again when its lease ends, the person would get it twice);
    # the other reply's id is written although they were recorded together.
    assert [(e.status, e.attempts) for e in replies] == [("delivered", 1)] * 2
    assert "wamid.out.2" in agent_ids and len(agent_ids) == 2
    assert drain(rt) == 0 and len(sent) == 2
