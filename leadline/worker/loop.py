"""The worker loop. Each round: claim due outbox events (leased); run the agent turns among them one
after the other, in order, and record their outcomes together; send the replies among them in the
background, in parallel across conversations; fan fact events out to deliveries (inserted already
leased to this worker) and send those in the background too; then claim due deliveries (retries,
and rows whose worker died) and send them. One batch of sends is in flight while the next round
runs. Every outcome is written guarded by the lease, so a worker that lost its lease changes nothing."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from leadline.notify import facts as lead_facts
from leadline.notify.errors import DeliveryError
from leadline.notify.events import is_fact
from leadline.runtime import Runtime
from leadline.worker import backoff, fanout
from leadline.worker.deliver import Job, send
from leadline.worker.work import HANDLERS, NETWORK_BOUND, Record
from storage import deliveries, outbox, subscriptions
from storage.db import Session, unit_of_work
from storage.models import Delivery, OutboxEvent, Subscription

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
SCHEDULER_EVERY = 30.0  # seconds between scheduled-job checks
BUSY_SPELL = 1.0  # a worker that worked this recently gathers before its next round (see `run`)


def _now() -> datetime:
    return datetime.now(UTC)


class Worker:
    def __init__(self, runtime: Runtime, *, worker_id: str | None = None, clock: Clock = _now,
                 rng: Callable[[], float] = random.random) -> None:
        self.rt, self.settings = runtime, runtime.settings
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.clock, self.rng = clock, rng
        self.lease = timedelta(seconds=self.settings.worker_lease_seconds)
        self.http = httpx.Client(timeout=httpx.Timeout(self.settings.webhook_timeout_seconds),
                                 limits=httpx.Limits(max_connections=self.settings.worker_concurrency * 2))
        self.pool = ThreadPoolExecutor(self.settings.worker_concurrency, thread_name_prefix="leadline-send")
        # One batch of sends is in flight while the next batch is claimed and fanned out.
        self._finisher = ThreadPoolExecutor(1, thread_name_prefix="leadline-finish")
        self._inflight: Future[None] | None = None
        self.wake = threading.Event()
        self._next_jobs = 0.0
        self._worked_at = float("-inf")  # when a round last found work (time.monotonic)

    def close(self) -> None:
        self.flush()
        self._finisher.shutdown(wait=True)
        self.pool.shutdown(wait=True)
        self.http.close()

    def flush(self) -> None:
        """Wait for the batch in flight, so everything sent so far is recorded."""
        if self._inflight is not None:
            inflight, self._inflight = self._inflight, None
            try:
                inflight.result()
            except Exception:  # not recorded: the rows stay leased and come back when the lease ends
                log.exception("worker %s: recording a batch sent in the background failed", self.id)

    # -- the loop ------------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, until_idle: bool = False) -> int:
        """Work until `stop` is set (or, with `until_idle`, until nothing is due); returns events handled."""
        total = 0
        while not stop.is_set():
            self.run_jobs_if_due()
            try:
                done = self.run_once()
            except Exception:  # the database went away, say: log, wait, try again
                log.exception("worker %s: round failed", self.id)
                done = 0
            total += done
            if done:
                self._worked_at = time.monotonic()
                continue
            self.flush()
            if until_idle:
                break
            if self.wake.wait(self.settings.worker_poll_seconds) and self._busy():
                # Woken by a commit that queued events in a busy spell: let the commits close behind
                # it queue theirs too, so a busy minute is worked in a few large rounds, not one round
                # per event. After a quiet spell the event (a hot-lead alert, say) goes at once.
                stop.wait(self.settings.worker_gather_seconds)
            self.wake.clear()
        self.flush()
        return total

    def _busy(self) -> bool:
        return time.monotonic() - self._worked_at < BUSY_SPELL

    def run_once(self) -> int:
        return self.process_outbox() + self.process_deliveries()

    def run_jobs_if_due(self) -> None:
        if time.monotonic() < self._next_jobs:
            return
        self._next_jobs = time.monotonic() + SCHEDULER_EVERY
        try:
            from leadline.automation.scheduler import run_due_jobs  # written alongside (issue 5, part 2)
        except ImportError:
            log.debug("scheduled jobs are not available yet (leadline.automation.scheduler)")
            return
        try:
            ran = run_due_jobs(self.rt, self.clock())
            if ran:
                log.info("worker %s ran scheduled jobs %s", self.id, ran)
        except Exception:
            log.exception("scheduled jobs failed")

    # -- outbox events ---------------------------------------------------------------------------
    def process_outbox(self) -> int:
        now = self.clock()
        with unit_of_work(self.rt.sessions) as s:
            events = outbox.claim(s, OutboxEvent, self.id, now, self.lease, self.settings.worker_batch_size)
        if not events:
            return 0
        facts = [e for e in events if is_fact(e.event_type)]
        work = [e for e in events if not is_fact(e.event_type)]
        turns = [e for e in work if e.event_type not in NETWORK_BOUND]
        if turns:
            self._run_in_order(turns, started=time.monotonic())
        sends = [e for e in work if e.event_type in NETWORK_BOUND]
        if sends:
            self._in_background(self._send_work, sends)
        if facts:
            self._fan_out(facts)
        return len(events)

    def _run_in_order(self, events: list[OutboxEvent], *, started: float) -> None:
        """Run work events one after the other in claim order (so the messages of a conversation are
        handled in the order they came) and record all outcomes in one transaction. Each agent turn
        commits by itself, and a turn run again after a crash is a no-op (DESIGN rule 4), so recording
        late loses nothing. Events not reached within half the lease go back to the queue, so a slow
        batch (LLM turns) never runs on rows whose lease another worker may already hold."""
        cutoff = started + self.lease.total_seconds() / 2
        done: list[tuple[dict[str, Any], Record | None]] = []
        for event in events:
            if time.monotonic() > cutoff:
                done.append((outbox.release(event.id, event.attempts - 1), None))
            else:
                done.append(self._attempt(event))
        self._record(done)

    def _send_work(self, events: list[OutboxEvent]) -> None:
        """Network-bound work (replies to send) runs in the send pool: conversations in parallel, the
        events of one conversation one after the other, so its replies arrive in order."""
        in_order: dict[str, list[OutboxEvent]] = {}
        for e in events:
            in_order.setdefault(_order_key(e), []).append(e)
        results = self.pool.map(lambda group: [self._attempt(e) for e in group], list(in_order.values()))
        self._record([r for group in results for r in group])

    def _attempt(self, event: OutboxEvent) -> tuple[dict[str, Any], Record | None]:
        """Run one work event: its outcome row and what its handler asks to write with it."""
        handler = HANDLERS.get(event.event_type)
        started = time.monotonic()
        try:
            if handler is None:
                raise DeliveryError(f"no handler for outbox event type {event.event_type!r}", retryable=False)
            record = handler(self.rt, event.event_id, event.payload or {})
            outcome = outbox.delivered(event.id, self.clock())
        except Exception as e:
            record, outcome = None, self._failed(event.id, event.attempts, e, deadline=None)
            log.warning("outbox %s %s attempt %d failed: %s", event.event_id, event.event_type, event.attempts,
                        outcome["last_error"])
        log.debug("outbox %s %s in %.0f ms", event.event_id, event.event_type, (time.monotonic() - started) * 1000)
        return outcome, record

    def _record(self, done: list[tuple[dict[str, Any], Record | None]]) -> None:
        """Write the outcomes (and what their handlers asked for) in one transaction. If that fails,
        each event's in its own, and one whose extra write fails gets its outcome alone: a reply that
        was sent must be recorded as sent, or it would be sent again when its lease ends."""
        try:
            with unit_of_work(self.rt.sessions) as s:
                for _, record in done:
                    if record is not None:
                        record(s)
                outbox.finish(s, OutboxEvent, self.id, [outcome for outcome, _ in done])
            return
        except Exception:
            if all(record is None for _, record in done):
                raise  # nothing but outcomes: the database itself failed; the leases bring the rows back
            log.exception("worker %s: recording %d outcomes together failed; recording each alone", self.id,
                          len(done))
        for outcome, record in done:
            try:
                with unit_of_work(self.rt.sessions) as s:
                    if record is not None:
                        record(s)
                    outbox.finish(s, OutboxEvent, self.id, [outcome])
            except Exception:
                log.exception("worker %s: outbox row %s: what its handler asked to write failed; its outcome "
                              "is recorded without it", self.id, outcome["id"])
                with unit_of_work(self.rt.sessions) as s:
                    outbox.finish(s, OutboxEvent, self.id, [outcome])

    def _fan_out(self, events: list[OutboxEvent]) -> None:
        now = self.clock()
        with unit_of_work(self.rt.sessions) as s:
            subs = subscriptions.active_by_workspace(s, {e.workspace_id for e in events})
            found = self._facts(s, [e for e in events if fanout.may_reach(e, subs[e.workspace_id])])
            rows = [r for e in events for r in fanout.targets(e, subs[e.workspace_id], found.get(_lead_id(e)))]
            made = deliveries.add_leased(s, rows, self.id, now, self.lease)
            # Fanned out: the event itself is done; each delivery now retries on its own.
            outbox.finish(s, OutboxEvent, self.id, [outbox.delivered(e.id, now) for e in events])
            by_id = {sub.id: sub for ws_subs in subs.values() for sub in ws_subs}
            by_event = {e.event_id: e for e in events}
            jobs = [self._job(d, by_id.get(d.subscription_id or ""), by_event[d.event_id], found) for d in made]
        self._send(jobs, {d.id: d.created_at for d in made})

    # -- deliveries --------------------------------------------------------------------------------
    def process_deliveries(self) -> int:
        now = self.clock()
        with unit_of_work(self.rt.sessions) as s:
            claimed = outbox.claim(s, Delivery, self.id, now, self.lease, self.settings.worker_batch_size)
            if not claimed:
                return 0
            events = outbox.events_by_id(s, [d.event_id for d in claimed])
            found = self._facts(s, list(events.values()))
            subs = {d.subscription_id: s.get(Subscription, d.subscription_id) for d in claimed if d.subscription_id}
            jobs, gone = [], []
            for d in claimed:
                sub = subs.get(d.subscription_id) if d.subscription_id else None
                if d.target.startswith("sub_") and (sub is None or not sub.active):
                    gone.append(outbox.dead(d.id, "the subscription was deleted or deactivated"))
                    continue
                jobs.append(self._job(d, sub, events[d.event_id], found))
            outbox.finish(s, Delivery, self.id, gone)
        self._send(jobs, {d.id: d.created_at for d in claimed})
        return len(claimed)

    def _job(self, d: Delivery, sub: Subscription | None, event: OutboxEvent,
             found: dict[str, lead_facts.LeadFacts]) -> Job:
        return Job(delivery_id=d.id, attempt=d.attempts, kind=d.kind, target=d.target,
                   subscription_id=d.subscription_id, sub_settings=dict(sub.settings or {}) if sub else {},
                   sub_secrets=dict(sub.secrets or {}) if sub else {}, event_id=event.event_id,
                   event_type=event.event_type, payload=event.payload or {}, lead=found.get(_lead_id(event)))

    def _facts(self, s: Session, events: list[OutboxEvent]) -> dict[str, lead_facts.LeadFacts]:
        keys = [(e.workspace_id, lid) for e in events if (lid := _lead_id(e))]
        return lead_facts.load(s, self.settings.public_url, keys) if keys else {}

    def _send(self, jobs: list[Job], created: dict[str, datetime]) -> None:
        if jobs:
            self._in_background(self._send_batch, jobs, created)

    def _in_background(self, fn: Callable[..., None], *args: Any) -> None:
        """Send in the background and return at once (after the previous batch is recorded), so the
        next batch's database work overlaps these requests. The rows stay leased meanwhile."""
        self.flush()
        self._inflight = self._finisher.submit(fn, *args)

    def _send_batch(self, jobs: list[Job], created: dict[str, datetime]) -> None:
        window = timedelta(hours=self.settings.webhook_retry_hours)
        outcomes = list(self.pool.map(lambda j: self._send_one(j, created[j.delivery_id] + window), jobs))
        with unit_of_work(self.rt.sessions) as s:
            outbox.finish(s, Delivery, self.id, outcomes)

    def _send_one(self, job: Job, webhook_deadline: datetime) -> dict[str, Any]:
        started = time.monotonic()
        try:
            code = send(self.settings, self.http, job)
        except Exception as e:
            latency = int((time.monotonic() - started) * 1000)
            deadline = webhook_deadline if job.kind == "webhook" else None
            outcome = self._failed(job.delivery_id, job.attempt, e, deadline=deadline)
            log.warning("delivery %s (%s %s to %s) attempt %d: %s", job.delivery_id, job.event_type, job.kind,
                        job.target, job.attempt, outcome["last_error"])
            return {**outcome, "response_code": getattr(e, "status", None), "latency_ms": latency}
        latency = int((time.monotonic() - started) * 1000)
        return outbox.delivered(job.delivery_id, self.clock(), response_code=code, latency_ms=latency)

    def _failed(self, row_id: Any, attempts: int, error: Exception, *, deadline: datetime | None) -> dict[str, Any]:
        """Retry later, or dead-letter: a permanent error, the last attempt, or (webhooks) past the
        retry window. Webhooks are bounded by time (24 h by default) instead of by attempts."""
        message = str(error) or type(error).__name__
        if not isinstance(error, DeliveryError):
            message = f"{type(error).__name__}: {message}"
        now = self.clock()
        if getattr(error, "retryable", True) is False:
            return outbox.dead(row_id, message)
        if deadline is None and attempts >= self.settings.worker_max_attempts:
            return outbox.dead(row_id, f"gave up after {attempts} attempts: {message}")
        if deadline is not None and now >= deadline:
            return outbox.dead(row_id, f"gave up after retrying for {self.settings.webhook_retry_hours:g} h: {message}")
        wait = getattr(error, "retry_after", None)
        if wait is None:
            wait = backoff.delay(attempts, self.settings.worker_retry_base_seconds,
                                 self.settings.worker_retry_max_seconds, self.rng)
        when = now + timedelta(seconds=wait)
        if deadline is not None:
            when = min(when, deadline)
        return outbox.retry_at(row_id, when, message)


def _order_key(event: OutboxEvent) -> str:
    """Events with the same key are sent one after the other, in order: the replies of a conversation
    (or to one recipient, for a reply without a conversation, like a media answer), the updates of one
    Slack message (the last one sent is the one that stays)."""
    payload = event.payload or {}
    route = payload.get("route") or {}
    key = payload.get("conversation_id") or route.get("to") or payload.get("response_url") or event.event_id
    return f"{event.event_type}:{payload.get('channel')}:{key}"


def _lead_id(event: OutboxEvent) -> str | None:
    lead_id = (event.payload or {}).get("lead_id")
    return lead_id if isinstance(lead_id, str) else None


def drain(runtime: Runtime, *, clock: Clock = _now, worker_id: str | None = None) -> int:
    """Process everything due now, synchronously (tests); returns how many rows were handled."""
    worker = Worker(runtime, clock=clock, worker_id=worker_id)
    try:
        return worker.run(threading.Event(), until_idle=True)
    finally:
        worker.close()


class InProcessWorker:
    """The worker as a thread of `leadline serve`, woken as soon as a commit queues outbox rows."""

    def __init__(self, runtime: Runtime) -> None:
        self.worker = Worker(runtime)
        self._stop = threading.Event()
        self._unhook = outbox.on_new_events(runtime.sessions, self.worker.wake.set)
        self._thread = threading.Thread(target=self.worker.run, args=(self._stop,), name="leadline-worker",
                                        daemon=True)

    def start(self) -> InProcessWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.worker.wake.set()
        self._thread.join(timeout)
        self._unhook()
        self.worker.close()
