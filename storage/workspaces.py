"""Workspaces and their pipeline stages (SPEC P1 defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.direct import DirectStatement, columns, loaded
from storage.models import PipelineStage, Workspace

# key, name, win probability %, colour, outcome
DEFAULT_STAGES: tuple[tuple[str, str, int, str, str], ...] = (
    ("new", "New", 5, "#64748b", "open"),
    ("contacted", "Contacted", 10, "#0ea5e9", "open"),
    ("qualified", "Qualified", 30, "#8b5cf6", "open"),
    ("demo_booked", "Demo booked", 50, "#f59e0b", "open"),
    ("opportunity", "Opportunity", 70, "#10b981", "open"),
    ("closed_won", "Closed won", 100, "#16a34a", "won"),
    ("closed_lost", "Closed lost", 0, "#dc2626", "lost"),
    ("disqualified", "Disqualified", 0, "#9ca3af", "disqualified"),
)


class UnknownWorkspace(LookupError):
    def __init__(self, workspace: str) -> None:
        super().__init__(f"unknown or inactive workspace {workspace!r}")
        self.workspace = workspace


def create_workspace(session: Session, name: str, settings: dict[str, Any] | None = None) -> Workspace:
    ws = Workspace(name=name, settings=settings or {})
    session.add(ws)
    session.flush()
    for position, (key, label, prob, color, outcome) in enumerate(DEFAULT_STAGES):
        session.add(PipelineStage(workspace_id=ws.id, key=key, name=label, position=position,
                                  win_probability=prob, color=color, outcome=outcome))
    session.flush()
    return ws


def get_active_workspace(session: Session, workspace_id: str) -> Workspace:
    ws = session.get(Workspace, workspace_id)
    if ws is None or not ws.active:
        raise UnknownWorkspace(workspace_id)
    return ws


@dataclass(frozen=True)
class PublicWorkspace:
    """What the public endpoints (widget, hosted page, capture) need of an active workspace."""

    id: str
    name: str
    settings: dict[str, Any]


# Columns only, not an ORM object: this runs on every widget request.
_ACTIVE_BY_PUBLIC_KEY = select(Workspace.id, Workspace.name, Workspace.settings).where(
    Workspace.public_key == bindparam("key"), Workspace.active.is_(True))


def active_workspace_by_public_key(session: Session, public_key: str) -> PublicWorkspace | None:
    """The active workspace a public key (pk_…) names; None for an unknown key or an inactive workspace."""
    if "\x00" in public_key:  # cannot be in a key, and PostgreSQL would refuse it in the query (a 500)
        return None
    row = session.execute(_ACTIVE_BY_PUBLIC_KEY, {"key": public_key}).one_or_none()
    return None if row is None else PublicWorkspace(row.id, row.name, dict(row.settings or {}))


def first_workspace(session: Session) -> Workspace | None:
    return session.scalar(select(Workspace).order_by(Workspace.created_at).limit(1))


# A direct statement (`storage.direct`): every captured lead asks for its first stage.
_STAGE_BY_KEY = DirectStatement(select(*columns(PipelineStage)).where(
    PipelineStage.workspace_id == bindparam("ws"), PipelineStage.key == bindparam("key")))


def stage_by_key(session: Session, workspace_id: str, key: str) -> PipelineStage:
    row = _STAGE_BY_KEY.first(session, {"ws": workspace_id, "key": key})
    stage = None if row is None else loaded(session, PipelineStage, row)
    if stage is None:
        raise LookupError(f"workspace {workspace_id} has no pipeline stage {key!r}")
    return stage
