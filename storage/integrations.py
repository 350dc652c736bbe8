"""Per-workspace integrations with tools that call us (Calendly webhooks): secrets encrypted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models.automation import Integration


def get_integration(session: Session, workspace_id: str, kind: str, *, active_only: bool = True) -> Integration | None:
    stmt = select(Integration).where(Integration.workspace_id == workspace_id, Integration.kind == kind)
    if active_only:
        stmt = stmt.where(Integration.active.is_(True))
    return session.scalar(stmt)


def put_integration(session: Session, workspace_id: str, kind: str, *, secrets: dict[str, Any],
                    settings: dict[str, Any] | None = None, at: datetime) -> Integration:
    """Create or replace the workspace's integration of this kind (one per kind)."""
    row = get_integration(session, workspace_id, kind, active_only=False)
    if row is None:
        row = Integration(workspace_id=workspace_id, kind=kind, created_at=at)
        session.add(row)
    row.secrets, row.settings, row.active, row.updated_at = dict(secrets), dict(settings or {}), True, at
    session.flush()
    return row
