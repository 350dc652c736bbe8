"""Writing outbox events; they are committed with the change that caused them (DESIGN rule 2).

Two kinds of rows share the table:
- facts (`lead.captured`, …) fanned out to subscriptions and automation by the worker;
- work for the worker: `inbound.message` (a verified, deduplicated provider delivery waiting for
  its agent turn, so webhooks are acknowledged at once) and `channel.reply` (an agent reply to
  send back through WhatsApp, e-mail or Slack).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, event, literal, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from storage.direct import DirectStatement, columns, loaded, row_params, values_rows
from storage.ids import new_id
from storage.models import Delivery, LeasedRow, Message, OutboxEvent, utcnow

INBOUND_MESSAGE = "inbound.message"
CHANNEL_REPLY = "channel.reply"


def enqueue(session: Session, workspace_id: str, event_type: str, payload: dict[str, Any],
            *, event_id: str | None = None) -> OutboxEvent:
    event = OutboxEvent(workspace_id=workspace_id, event_type=event_type, payload=payload,
                        event_id=event_id or new_id("evt"))
    session.add(event)
    return event


def inbound_event_id(workspace_id: str, channel: str, provider_message_id: str) -> str:
    """Deterministic, so a provider's redelivery maps to the same row (DESIGN rule 4)."""
    digest = hashlib.sha256(f"{workspace_id}\x1f{channel}\x1f{provider_message_id}".encode()).hexdigest()
    return f"in_{digest[:36]}"


def enqueue_inbound(session: Session, workspace_id: str, channel: str, provider_message_id: str,
                    message: dict[str, Any]) -> bool:
    """Queue a verified provider message for its agent turn. False when it was queued before (a
    redelivery): the insert is skipped by the unique event id, without an error or a lost row."""
    event = inbound_event(workspace_id, channel, provider_message_id, message)
    return bool(enqueue_many(session, [event]))


def inbound_event(workspace_id: str, channel: str, provider_message_id: str, message: dict[str, Any]) -> NewEvent:
    """The `inbound.message` row for a verified provider message (for `enqueue_many`)."""
    return NewEvent(workspace_id, INBOUND_MESSAGE, inbound_event_id(workspace_id, channel, provider_message_id),
                    message)


class NewEvent(NamedTuple):
    workspace_id: str
    event_type: str
    # Deterministic for a provider's message (a redelivery maps to the same row); any new id otherwise.
    event_id: str
    payload: dict[str, Any]


def enqueue_many(session: Session, events: Sequence[NewEvent]) -> set[str]:
    """Queue events in one statement (per 50); returns the ids inserted now. An id queued before is
    skipped without an error (a redelivery); one given twice is inserted once (the first)."""
    if not events:
        return set()
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:  # other databases: plain inserts; a duplicate raises IntegrityError
        for e in events:
            enqueue(session, e.workspace_id, e.event_type, e.payload, event_id=e.event_id)
        session.flush()
        return {e.event_id for e in events}
    now = utcnow()
    inserted: set[str] = set()
    for start in range(0, len(events), _EVENTS_PER_STATEMENT):
        chunk = events[start:start + _EVENTS_PER_STATEMENT]
        params = row_params([e._asdict() | {"status": PENDING, "attempts": 0, "available_at": now, "created_at": now}
                             for e in chunk])
        inserted.update(row[0] for row in _insert_events(dialect, len(chunk)).rows(session, params))
    if inserted:
        session.info[_NEW_EVENTS] = True  # a direct statement: the session's hooks do not see it
    return inserted


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_EVENTS_PER_STATEMENT = 50
_EVENT_COLUMNS = ("event_id", "workspace_id", "event_type", "payload", "status", "attempts", "available_at",
                  "created_at")


@functools.cache
def _insert_events(dialect: str, rows: int) -> DirectStatement:
    """A multi-row INSERT of `rows` events that skips ids queued before: one round trip to SQLite, so a
    webhook's group commit hands the GIL over once, not once per message. A direct statement
    (`storage.direct`): every turn with events runs one."""
    table = OutboxEvent.__table__
    return DirectStatement(_INSERTS[dialect](table).values(values_rows(table, _EVENT_COLUMNS, rows))
                           .on_conflict_do_nothing(index_elements=["event_id"]).returning(table.c.event_id))


# -- the queue: claim with a lease, then complete, retry or dead-letter ------------------------------
# Outbox events and deliveries are both queues with the same columns (status, attempts, available_at,
# locked_until, locked_by, last_error, delivered_at), so one set of functions serves both.
Queued = type[OutboxEvent] | type[Delivery]
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
_NEW_EVENTS = "outbox_new"  # session.info: this transaction queued events (see `on_new_events`)


def claim(session: Session, model: Queued, worker_id: str, now: datetime, lease: timedelta, limit: int) -> list[Any]:
    """Lease up to `limit` due rows to `worker_id` and count the attempt. A row whose lease ran out
    (its worker died) is due again. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers take
    disjoint rows without waiting; SQLite has one writer at a time, so the UPDATE is the claim.
    Direct statements (`storage.direct`): every worker round claims."""
    # Most rounds find nothing due. Ask with a read first: the UPDATE would take SQLite's one write
    # lock (and PostgreSQL's row locks) even when it changes nothing, and agent turns wait for it.
    if not _due_probe(model).rows(session, {"now": now}):
        return []
    claim_due = _claim_due(model, session.get_bind().dialect.name == "postgresql")
    rows = claim_due.rows(session, {"now": now, "limit": limit, "worker": worker_id, "until": now + lease})
    return sorted((loaded(session, model, row) for row in rows), key=lambda r: (r.available_at, r.id))


def _due(model: Queued) -> Any:
    return (select(model.id)
            .where(model.status == PENDING, model.available_at <= bindparam("now"),
                   or_(model.locked_until.is_(None), model.locked_until < bindparam("now"))))


@functools.cache
def _claim_due(model: Queued, postgres: bool) -> DirectStatement:
    due = _due(model).order_by(model.available_at, model.id).limit(bindparam("limit"))
    if postgres:
        due = due.with_for_update(skip_locked=True)
    table = model.__table__
    return DirectStatement(
        update(table).where(table.c.id.in_(due.scalar_subquery()))
        .values(locked_by=bindparam("worker"), locked_until=bindparam("until", type_=table.c.locked_until.type),
                attempts=table.c.attempts + 1)
        .returning(*columns(model)))


@functools.cache
def _due_probe(model: Queued) -> DirectStatement:
    """Whether any row is due at `now`, as a direct statement (`storage.direct`): each worker round
    asks, and most find nothing."""
    return DirectStatement(_due(model).with_only_columns(literal(1)).limit(1))


def finish(session: Session, model: Queued, worker_id: str, outcomes: Sequence[dict[str, Any]]) -> int:
    """Record the outcome of leased rows in one statement per shape; returns how many rows changed.
    Each outcome holds `id`, `status` and the columns to set (`available_at`, `last_error`, …).
    Guarded by the lease holder, so a worker whose lease expired cannot overwrite a later attempt."""
    changed = 0
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for o in outcomes:
        shapes.setdefault(tuple(sorted(k for k in o if k != "id")), []).append(o)
    for keys, rows in shapes.items():
        params = [{"_id": r["id"], "_worker": worker_id, **{"_" + k: r[k] for k in keys}} for r in rows]
        count = _finish(model, keys).run_many(session, params)
        changed += count if count and count > 0 else 0
    return changed


@functools.cache
def _finish(model: Queued, keys: tuple[str, ...]) -> DirectStatement:
    """One shape of outcome, as a direct statement (`storage.direct`): every worker round records some."""
    table = model.__table__
    return DirectStatement(
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.locked_by == bindparam("_worker"), table.c.status == PENDING)
        .values(locked_by=null(), locked_until=null(),
                **{k: bindparam("_" + k, type_=table.c[k].type) for k in keys}))


def delivered(id_: Any, now: datetime, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "status": DELIVERED, "delivered_at": now, "last_error": None, **extra}


def retry_at(id_: Any, when: datetime, error: str, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "status": PENDING, "available_at": when, "last_error": error[:2000], **extra}


def dead(id_: Any, error: str, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "status": DEAD, "last_error": error[:2000], **extra}


def release(id_: Any, attempts: int) -> dict[str, Any]:
    """Give back a leased row that was not tried after all: due again, its attempt not counted."""
    return {"id": id_, "status": PENDING, "attempts": attempts}


def replay(row: LeasedRow, now: datetime) -> None:
    """Give a dead (or delivered) row a fresh set of attempts, due now; its last error stays until
    an attempt succeeds."""
    row.status, row.attempts, row.available_at = PENDING, 0, now
    row.locked_until = row.locked_by = None
    row.delivered_at = None


def on_new_events(sessions: sessionmaker[Session], callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after every commit that inserted outbox rows (to wake the in-process worker at
    once instead of at its next poll). Returns a function that removes the hook."""

    def after_flush(session: Session, _ctx: Any) -> None:
        if any(isinstance(o, OutboxEvent) for o in session.new) or any(
                isinstance(o, OutboxEvent | Delivery) and o.status == PENDING for o in session.dirty):  # a replay
            session.info[_NEW_EVENTS] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(_NEW_EVENTS, False):
            callback()

    def after_rollback(session: Session) -> None:
        session.info.pop(_NEW_EVENTS, None)

    # `enqueue_many` marks the session itself: its statements run past the session's events.
    hooks = (("after_flush", after_flush), ("after_commit", after_commit),
             ("after_soft_rollback", lambda s, _t: after_rollback(s)))
    for name, fn in hooks:
        event.listen(sessions, name, fn)

    def remove() -> None:
        for name, fn in hooks:
            event.remove(sessions, name, fn)

    return remove


def resolve_pending_message(session: Session, workspace_id: str, event_id: str, provider_message_id: str) -> bool:
    """After a `channel.reply` was sent: its agent message gets the provider's id in place of
    `pending:<event_id>`, so delivery statuses and threading find it."""
    result = session.execute(
        update(Message).where(Message.workspace_id == workspace_id,
                              Message.provider_message_id == f"pending:{event_id}")
        .values(provider_message_id=provider_message_id),
        execution_options={"synchronize_session": False})
    return bool(result.rowcount)


def get_event(session: Session, workspace_id: str, event_id: str) -> OutboxEvent | None:
    event = session.scalar(select(OutboxEvent).where(OutboxEvent.event_id == event_id))
    return event if event is not None and event.workspace_id == workspace_id else None


def list_events(session: Session, workspace_id: str, *, status: str, limit: int = 50) -> list[OutboxEvent]:
    stmt = (select(OutboxEvent).where(OutboxEvent.workspace_id == workspace_id, OutboxEvent.status == status)
            .order_by(OutboxEvent.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def events_by_id(session: Session, event_ids: Sequence[str]) -> dict[str, OutboxEvent]:
    rows = session.scalars(select(OutboxEvent).where(OutboxEvent.event_id.in_(list(event_ids))))
    return {e.event_id: e for e in rows}


__all__ = ["CHANNEL_REPLY", "DEAD", "DELIVERED", "INBOUND_MESSAGE", "PENDING", "NewEvent", "claim", "dead",
           "delivered", "enqueue", "enqueue_inbound", "enqueue_many", "events_by_id", "finish",
           "get_event", "inbound_event", "inbound_event_id", "list_events", "on_new_events", "release", "replay",
           "resolve_pending_message", "retry_at"]
