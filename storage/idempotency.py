"""Idempotency keys: the first request with a key runs and its response is kept; a retry with the
same key and body gets that response back, a retry with a different body is refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.crypto import vault
from storage.models import IdempotencyKey

TTL = timedelta(hours=24)


def fingerprint(body: bytes) -> str:
    # Keyed, because request bodies carry personal data and a plain hash could be guessed.
    return vault().blind_index("idempotency", body.decode("utf-8", "replace"))


def find(session: Session, workspace_id: str, scope: str, key: str, *, now: datetime) -> IdempotencyKey | None:
    """The stored record for this key, or None; an expired record is removed so the key can be reused."""
    row = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.workspace_id == workspace_id, IdempotencyKey.scope == scope, IdempotencyKey.key == key
    ))
    if row is not None and row.created_at <= now - TTL:
        session.delete(row)
        session.flush()
        return None
    return row


def begin(session: Session, workspace_id: str, scope: str, key: str, *, fingerprint: str,
          now: datetime) -> IdempotencyKey:
    """Claim the key. Flushed at once so a concurrent request with the same key fails on the unique
    constraint (and is answered as a conflict) instead of running a second time."""
    row = IdempotencyKey(workspace_id=workspace_id, scope=scope, key=key, fingerprint=fingerprint, created_at=now)
    session.add(row)
    session.flush()
    return row


def complete(row: IdempotencyKey, *, status_code: int, response: dict[str, Any], resource_id: str | None) -> None:
    row.status_code, row.response, row.resource_id = status_code, response, resource_id


def forget_resource(session: Session, resource_id: str) -> None:
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.resource_id == resource_id))
