"""Query functions for deliveries: one row per (event, recipient), each retried on its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.ids import new_id
from storage.models import Delivery


def add_leased(session: Session, rows: Sequence[dict[str, Any]], worker_id: str, now: datetime,
               lease: timedelta) -> list[Delivery]:
    """Insert the deliveries of a fan-out, already leased to the worker that will send them now (one
    claim fewer per event). A row that exists for the same (event, target) is kept as it is, so a
    re-run fan-out never makes a second delivery. Returns the rows inserted."""
    if not rows:
        return []
    values = [{"id": new_id("dlv"), "status": "pending", "attempts": 1, "available_at": now, "created_at": now,
               "locked_by": worker_id, "locked_until": now + lease, "subscription_id": None, **r} for r in rows]
    table = Delivery.__table__
    make_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    # Core executemany (one cached statement, batched by SQLAlchemy's insertmanyvalues) instead of ORM objects.
    stmt = make_insert(table).on_conflict_do_nothing(index_elements=["event_id", "target"]).returning(table.c.id)
    inserted = set(session.execute(stmt, values).scalars())
    return [Delivery(**v) for v in values if v["id"] in inserted]


def get_delivery(session: Session, workspace_id: str, delivery_id: str) -> Delivery | None:
    row = session.get(Delivery, delivery_id)
    return row if row is not None and row.workspace_id == workspace_id else None


def list_deliveries(session: Session, workspace_id: str, *, status: str | None = None,
                    subscription_id: str | None = None, event_type: str | None = None,
                    event_id: str | None = None, before_id: str | None = None, limit: int = 50) -> list[Delivery]:
    """Newest first (ids are time-ordered); page with `before_id`."""
    stmt = select(Delivery).where(Delivery.workspace_id == workspace_id)
    for column, value in ((Delivery.status, status), (Delivery.subscription_id, subscription_id),
                          (Delivery.event_type, event_type), (Delivery.event_id, event_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if before_id is not None:
        stmt = stmt.where(Delivery.id < before_id)
    return list(session.scalars(stmt.order_by(Delivery.id.desc()).limit(limit)))
