"""Outbox events that are work: queued inbound messages run their agent turn, channel replies go
out through the channel's sender (a missing sender is retried, then dead-lettered), and the
in-process worker is woken by the commit that queues an event."""

from __future__ import annotations

import sys
import time
import types
from datetime import UTC, datetime

from fakes.slack_api import FakeSlack
from sqlalchemy import select

from agent.types import InboundMessage
from leadline.worker import InProcessWorker, drain
from leadline.worker.work import REPLY_SENDERS
from storage import outbox
from storage.db import unit_of_work
from storage.models import Message, OutboxEvent


def _inbound(ws: str, text: str, pid: str) -> dict:
    return InboundMessage(workspace_id=ws, channel="whatsapp", sender_id="4915550001", thread_id="4915550001",
                          text=text, provider_message_id=pid,
                          reply_route={"to": "4915550001"}).model_dump(mode="json")


def test_inbound_message_runs_the_turn_and_the_reply_is_sent_once(rt, ws_id, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sent: list[tuple[str, dict]] = []

    def send_reply(runtime, event_id: str, payload: dict) -> str:  # type: ignore[no-untyped-def]
        sent.append((event_id, payload))
        return f"wamid.out.{len(sent)}"

    module = types.ModuleType("fake_whatsapp_send")
    module.send_reply = send_reply  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_whatsapp_send", module)
    monkeypatch.setitem(REPLY_SENDERS, "whatsapp", "fake_whatsapp_send:send_reply")
    with unit_of_work(rt.sessions) as s:
        assert outbox.enqueue_inbound(s, ws_id, "whatsapp", "wamid.in.1", _inbound(ws_id, "Hi, pricing?", "wamid.in.1"))
    drain(rt)
    [(_, payload)] = sent
    assert payload["route"] == {"to": "4915550001"} and payload["in_reply_to"] == "wamid.in.1" and payload["text"]
    with rt.sessions() as s:
        agent_msg = s.scalars(select(Message).where(Message.role == "agent")).one()
        assert agent_msg.provider_message_id == "wamid.out.1"
        assert {e.status for e in s.scalars(select(OutboxEvent))} == {"delivered"}
    assert drain(rt) == 0 and len(sent) == 1


def test_a_missing_sender_is_retried_then_dead_lettered(rt, ws_id, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(REPLY_SENDERS, "whatsapp", "channels.no_such_module:send_reply")
    with unit_of_work(rt.sessions) as s:
        outbox.enqueue_inbound(s, ws_id, "whatsapp", "wamid.in.2", _inbound(ws_id, "Hello", "wamid.in.2"))
    t0 = datetime.now(UTC)
    drain(rt, clock=lambda: t0)  # the agent turn queues the reply
    t1 = datetime.now(UTC)
    drain(rt, clock=lambda: t1)  # frozen: its retry is not due within this drain
    with rt.sessions() as s:
        reply = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "channel.reply")).one()
    assert reply.status == "pending" and "channels.no_such_module:send_reply is not available" in reply.last_error
    deadline = time.monotonic() + 10
    while reply.status == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.05)
        drain(rt)
        with rt.sessions() as s:
            reply = s.get(OutboxEvent, reply.id)
    assert reply.status == "dead" and reply.attempts == rt.settings.worker_max_attempts
    assert "gave up after 4 attempts" in reply.last_error


def test_bad_inbound_payload_is_dead_at_once(rt, ws_id) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(rt.sessions) as s:
        outbox.enqueue_inbound(s, ws_id, "whatsapp", "wamid.bad", {"text": "no workspace or sender"})
    drain(rt)
    with rt.sessions() as s:
        event = s.scalars(select(OutboxEvent)).one()
    assert event.status == "dead" and event.attempts == 1 and "invalid inbound message" in event.last_error


def test_in_process_worker_is_woken_by_the_commit(rt, ws_id, subscribe, hot_lead) -> None:  # type: ignore[no-untyped-def]
    rt.settings.worker_poll_seconds = 30.0  # only the wake-up can make it fast
    with FakeSlack() as fake:
        rt.settings.slack_api_url = fake.api_url
        subscribe(ws_id, "slack", ["lead.qualified"], {"channel": "C0SALES"}, {"bot_token": fake.token})
        worker = InProcessWorker(rt).start()
        try:
            time.sleep(0.2)  # let it go idle
            started = time.monotonic()
            hot_lead(ws_id)
            calls = fake.wait_for("chat.postMessage", timeout=5)
            took = time.monotonic() - started
        finally:
            worker.stop()
    assert len(calls) == 1 and took < 5



def test_a_busy_worker_gathers_the_events_committed_just_behind(rt, ws_id, emit, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """In a busy spell a woken worker waits `worker_gather_seconds` before claiming, so events
    committed one after another are worked in one round instead of one round each; after a quiet
    spell the first event is claimed at once (a hot-lead alert waits for nothing)."""
    from leadline.worker import loop

    monkeypatch.setattr(loop, "BUSY_SPELL", 0.6)
    rt.settings.worker_poll_seconds, rt.settings.worker_gather_seconds = 30.0, 0.4
    rounds: list[int] = []
    real_claim = outbox.claim

    def claim(s, model, *args, **kwargs):  # type: ignore[no-untyped-def]
        rows = real_claim(s, model, *args, **kwargs)
        if model is OutboxEvent and rows:
            rounds.append(len(rows))
        return rows

    monkeypatch.setattr(outbox, "claim", claim)
    def wait_for(total: int) -> float:
        started, deadline = time.monotonic(), time.monotonic() + 5
        while sum(rounds) < total and time.monotonic() < deadline:
            time.sleep(0.01)
        return time.monotonic() - started

    worker = InProcessWorker(rt).start()
    try:
        time.sleep(0.2)  # let it go idle
        emit(ws_id)  # after a quiet spell: claimed at once
        assert wait_for(1) < 0.3
        emit(ws_id)  # within the busy spell: it gathers
        time.sleep(0.1)
        emit(ws_id, n=2)  # within the gather window
        wait_for(4)
        time.sleep(0.7)  # quiet again
        emit(ws_id)
        assert wait_for(5) < 0.3
    finally:
        worker.stop()
    assert rounds == [1, 3, 1]



def test_stopping_a_gathering_worker_is_prompt(rt, ws_id, emit) -> None:  # type: ignore[no-untyped-def]
    rt.settings.worker_poll_seconds, rt.settings.worker_gather_seconds = 30.0, 5.0
    worker = InProcessWorker(rt).start()
    time.sleep(0.2)
    emit(ws_id)  # worked at once: the worker is now in a busy spell
    time.sleep(0.3)
    emit(ws_id)  # wakes it into a five-second gather
    time.sleep(0.1)
    started = time.monotonic()
    worker.stop()
    assert time.monotonic() - started < 2


def test_fan_out_reads_lead_facts_only_for_events_someone_receives(rt, ws_id, emit, subscribe, hot_lead,
                                                                   monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from leadline.worker import loop

    loaded: list[list] = []
    real_load = loop.lead_facts.load
    monkeypatch.setattr(loop.lead_facts, "load", lambda s, url, keys: loaded.append(keys) or real_load(s, url, keys))
    lead_id = hot_lead(ws_id)
    drain(rt)  # the turn's events: no subscription, and no e-mail among them for this lead
    assert loaded == []
    rt.settings.worker_retry_base_seconds = 60.0  # the failed webhook is not retried (and re-read) in this test
    subscribe(ws_id, "webhook", ["lead.captured"], {"url": "http://127.0.0.1:9/hook"}, {"secret": "s"})
    emit(ws_id, "lead.captured", lead_id=lead_id)
    emit(ws_id, "lead.scored", lead_id=lead_id)  # nobody asked for this one
    drain(rt)
    assert loaded == [[(ws_id, lead_id)]]


def test_the_worker_loop_runs_scheduled_jobs_about_every_30_s(rt, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import leadline.automation.scheduler as scheduler
    from leadline.worker import Worker

    calls: list[datetime] = []
    monkeypatch.setattr(scheduler, "run_due_jobs", lambda runtime, now: calls.append(now) or [])
    worker = Worker(rt)
    try:
        worker.run_jobs_if_due()
        worker.run_jobs_if_due()  # within 30 s: not again
        assert len(calls) == 1 and calls[0].tzinfo is not None
        worker._next_jobs = 0.0  # 30 s later
        worker.run_jobs_if_due()
        assert len(calls) == 2
    finally:
        worker.close()
