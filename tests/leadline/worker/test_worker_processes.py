"""Real `leadline worker` processes: one killed with SIGKILL in the middle of a delivery (its lease
runs out and another worker redelivers; the receiver's dedupe keeps it once), and two workers
against PostgreSQL taking disjoint events (FOR UPDATE SKIP LOCKED): each delivered exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes.webhook_receiver import WebhookReceiver
from sqlalchemy import func, select

from storage.models import Delivery, OutboxEvent

SECRET = "whsec_process_tests"
ROOT = Path(__file__).resolve().parents[3]


def _worker(rt, *args: str, lease: float = 60.0) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    env = {**os.environ, "LEADLINE_DATABASE_URL": rt.settings.database_url, "LEADLINE_DATA_KEY": rt.settings.data_key,
           "LEADLINE_DATA_DIR": str(rt.settings.data_dir), "LEADLINE_WORKER_LEASE_SECONDS": str(lease),
           "LEADLINE_WEBHOOK_TIMEOUT_SECONDS": "10", "LEADLINE_WORKER_POLL_SECONDS": "0.1",
           "LEADLINE_WORKER_RETRY_BASE_SECONDS": "0.1", "LEADLINE_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "leadline.cli", "worker", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_worker_killed_mid_delivery_is_redelivered_after_its_lease(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    # The first request is processed but answered only after 5 s: the worker is killed while waiting.
    with WebhookReceiver(SECRET, faults=[("slow", 5)]) as receiver:
        subscribe(ws_id, "webhook", ["lead.captured"], {"url": receiver.url}, {"signing_secret": SECRET})
        [event_id] = emit(ws_id)
        first = _worker(rt, lease=3.0)
        try:
            _wait(lambda: receiver.requests >= 1)
            first.send_signal(signal.SIGKILL)
            assert first.wait(10) == -signal.SIGKILL
        finally:
            _stop(first)
        with rt.sessions() as s:
            d = s.scalars(select(Delivery)).one()
        assert d.status == "pending" and d.locked_by is not None and d.attempts == 1  # leased to the dead worker
        assert d.locked_until is not None
        second = _worker(rt, lease=3.0)
        try:
            _wait(lambda: receiver.requests >= 2)
            _wait(lambda: _delivery_status(rt) == "delivered")
        finally:
            _stop(second)
    assert receiver.arrivals[1] >= d.locked_until.timestamp()  # not before the dead worker's lease ran out
    assert list(receiver.events) == [event_id] and receiver.duplicates == 1
    with rt.sessions() as s:
        d = s.scalars(select(Delivery)).one()
        assert d.attempts == 2 and d.locked_by is None and d.response_code == 200


def _delivery_status(rt) -> str | None:  # type: ignore[no-untyped-def]
    with rt.sessions() as s:
        d = s.scalars(select(Delivery)).first()
        return d.status if d else None


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("LEADLINE_TEST_POSTGRES_URL"), reason="needs LEADLINE_TEST_POSTGRES_URL")
def test_two_workers_on_postgres_handle_each_event_once(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    n = 600
    with WebhookReceiver(SECRET) as receiver:
        subscribe(ws_id, "webhook", ["lead.captured"], {"url": receiver.url}, {"signing_secret": SECRET})
        for _ in range(n // 200):
            emit(ws_id, n=200)
        workers = [_worker(rt), _worker(rt)]
        try:
            receiver.wait_for(n, timeout=60)
            _wait(lambda: _count_delivered(rt) == n)
        finally:
            for w in workers:
                _stop(w)
        errors = [w.stderr.read() for w in workers if w.stderr]
    assert len(receiver.events) == n and receiver.duplicates == 0 and receiver.requests == n, errors
    # Exactly n requests for n events: no event was sent by both workers (a retry after a refused
    # connection would not reach the receiver, so it cannot inflate the count either).
    with rt.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == n
        assert s.scalar(select(func.count()).where(OutboxEvent.status != "delivered")) == 0
    assert all(w.returncode == 0 for w in workers)


def _count_delivered(rt) -> int:  # type: ignore[no-untyped-def]
    with rt.sessions() as s:
        return s.scalar(select(func.count()).where(Delivery.status == "delivered"))
