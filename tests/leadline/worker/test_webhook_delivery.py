"""Webhook deliveries through the real worker to a receiver that checks signatures: faults are
retried, nothing is lost, nothing counts twice when the receiver dedupes by event id."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

from fakes.webhook_receiver import WebhookReceiver
from sqlalchemy import select

from leadline.worker import drain
from storage.models import Delivery, OutboxEvent

SECRET = "whsec_test_secret"


def _drain_until(rt, done, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Run the worker until `done()`; retries become due as real (short) backoff time passes."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        drain(rt)
        time.sleep(0.02)


def _deliveries(rt) -> list[Delivery]:  # type: ignore[no-untyped-def]
    with rt.sessions() as s:
        return list(s.scalars(select(Delivery).order_by(Delivery.created_at)))


def _hook(subscribe, ws_id: str, url: str, events: list[str] | None = None) -> str:  # type: ignore[no-untyped-def]
    return subscribe(ws_id, "webhook", events or ["lead.captured"], {"url": url}, {"signing_secret": SECRET})


def test_events_arrive_signed_with_their_id_and_are_logged(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver(SECRET) as receiver:
        _hook(subscribe, ws_id, receiver.url)
        ids = emit(ws_id, "lead.captured", n=3)
        emit(ws_id, "lead.score_changed")  # not subscribed: no delivery
        assert drain(rt) >= 4
        got = receiver.wait_for(3)
    assert sorted(got) == sorted(ids) and receiver.rejected == 0 and receiver.duplicates == 0
    body = got[ids[0]]
    assert body["type"] == "lead.captured" and body["workspace_id"] == ws_id and body["data"]["n"] == 0
    rows = _deliveries(rt)
    assert len(rows) == 3
    assert all(d.status == "delivered" and d.response_code == 200 and d.latency_ms is not None
               and d.attempts == 1 for d in rows)
    with rt.sessions() as s:
        assert {e.status for e in s.scalars(select(OutboxEvent))} == {"delivered"}


def test_500_then_success_is_retried(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver(SECRET, faults=[("status", 500), ("status", 503)]) as receiver:
        _hook(subscribe, ws_id, receiver.url)
        [event_id] = emit(ws_id)
        _drain_until(rt, lambda: event_id in receiver.events)
    [d] = _deliveries(rt)
    assert d.status == "delivered" and d.attempts == 3 and d.last_error is None
    assert [o for _, o in receiver.attempts] == ["status", "status", "ok"]


def test_429_waits_for_retry_after(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver(SECRET, faults=[("ratelimited", 1)]) as receiver:
        _hook(subscribe, ws_id, receiver.url)
        [event_id] = emit(ws_id)
        t0 = datetime.now(UTC)
        drain(rt, clock=lambda: t0)
        [d] = _deliveries(rt)
        assert d.status == "pending" and d.response_code == 429 and "429" in (d.last_error or "")
        # Retry-After: 1 s, far beyond the 0.05 s backoff: not due before that.
        assert d.available_at - t0 > timedelta(seconds=0.9)
        drain(rt, clock=lambda: t0 + timedelta(seconds=0.5))  # long after the backoff, before Retry-After
        assert event_id not in receiver.events
        drain(rt, clock=lambda: t0 + timedelta(seconds=1.01))
        assert event_id in receiver.events
    [d] = _deliveries(rt)
    assert d.status == "delivered" and d.attempts == 2


def test_slow_receiver_beyond_the_timeout_is_retried_and_deduped(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver(SECRET, faults=[("slow", 1.5)]) as receiver:
        _hook(subscribe, ws_id, receiver.url)
        [event_id] = emit(ws_id)
        t0 = datetime.now(UTC)
        drain(rt, clock=lambda: t0)  # a frozen clock: the retry is not due within this drain
        [d] = _deliveries(rt)
        assert d.status == "pending" and "timed out" in (d.last_error or "")
        _drain_until(rt, lambda: _deliveries(rt)[0].status == "delivered")
    assert list(receiver.events) == [event_id] and receiver.duplicates == 1


def test_receiver_down_then_up_loses_nothing(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sub_id = _hook(subscribe, ws_id, f"http://127.0.0.1:{port}/hook")
    ids = emit(ws_id, n=5)
    t0 = datetime.now(UTC)
    drain(rt, clock=lambda: t0)
    rows = _deliveries(rt)
    assert len(rows) == 5 and all(d.status == "pending" and "unreachable" in (d.last_error or "") for d in rows)
    with WebhookReceiver(SECRET) as receiver:
        with rt.sessions.begin() as s:  # the receiver came back on another port: fix the subscription
            from storage.models import Subscription
            sub = s.get(Subscription, sub_id)
            sub.settings = {"url": receiver.url}
        _drain_until(rt, lambda: len(receiver.events) == 5)
    assert sorted(receiver.events) == sorted(ids) and receiver.duplicates == 0


def test_last_attempt_dead_letters_and_other_subscriptions_are_not_resent(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver(SECRET) as good, WebhookReceiver(SECRET, faults=[("status", 500)] * 100) as bad:
        _hook(subscribe, ws_id, good.url)
        bad_sub = _hook(subscribe, ws_id, bad.url)
        rt.settings.webhook_retry_hours = 0.5 / 3600  # half a second of retrying, then dead
        [event_id] = emit(ws_id)
        _drain_until(rt, lambda: [d.status for d in _deliveries(rt)].count("pending") == 0 < len(_deliveries(rt)))
    by_sub = {d.subscription_id: d for d in _deliveries(rt)}
    assert by_sub[bad_sub].status == "dead" and "gave up" in (by_sub[bad_sub].last_error or "")
    assert by_sub[bad_sub].attempts >= 2 and by_sub[bad_sub].response_code == 500
    assert list(good.events) == [event_id] and good.requests == 1  # delivered once, never resent


def test_a_killed_workers_lease_expires_and_the_event_is_redelivered(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    from storage import outbox
    from storage.db import unit_of_work

    with WebhookReceiver(SECRET) as receiver:
        _hook(subscribe, ws_id, receiver.url)
        [event_id] = emit(ws_id)
        now = datetime.now(UTC)
        with unit_of_work(rt.sessions) as s:  # a worker claims the event, then dies without a word
            [claimed] = outbox.claim(s, OutboxEvent, "dead-worker", now, timedelta(seconds=60), 10)
        assert claimed.event_id == event_id
        assert drain(rt) == 0  # leased: nobody else takes it
        assert drain(rt, clock=lambda: now + timedelta(seconds=61)) >= 1
        receiver.wait_for(1)
    assert list(receiver.events) == [event_id]
    with rt.sessions() as s:
        event = s.scalars(select(OutboxEvent)).one()
        assert event.status == "delivered" and event.attempts == 2 and event.locked_by is None
