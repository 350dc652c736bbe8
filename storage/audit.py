"""The audit log: who changed what, before and after (SPEC A5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.models import AuditLog


def audit(session: Session, workspace_id: str, actor: str, action: str, entity_type: str, entity_id: str,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    session.add(AuditLog(workspace_id=workspace_id, actor=actor, action=action, entity_type=entity_type,
                         entity_id=entity_id, changes={"before": before, "after": after}))
