"""Pipeline stage management (SPEC P1, admin only): add, edit, reorder, remove."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import Lead, PipelineStage


def stage_by_key_or_none(session: Session, workspace_id: str, key: str) -> PipelineStage | None:
    return session.scalar(
        select(PipelineStage).where(PipelineStage.workspace_id == workspace_id, PipelineStage.key == key)
    )


def add_stage(session: Session, workspace_id: str, *, key: str, position: int | None = None,
              **fields: Any) -> PipelineStage:
    """Insert a stage at `position` (default: last), shifting the ones after it."""
    existing = _ordered(session, workspace_id)
    position = len(existing) if position is None else max(0, min(position, len(existing)))
    stage = PipelineStage(workspace_id=workspace_id, key=key, position=position, **fields)
    session.add(stage)
    for s in existing[position:]:
        s.position += 1
    session.flush()
    return stage


def move_stage_position(session: Session, stage: PipelineStage, position: int) -> None:
    ordered = [s for s in _ordered(session, stage.workspace_id) if s.id != stage.id]
    ordered.insert(max(0, min(position, len(ordered))), stage)
    _renumber(ordered)


def reorder_stages(session: Session, workspace_id: str, keys: Sequence[str]) -> list[PipelineStage]:
    """Put the stages in the order of `keys`, which must name every stage exactly once."""
    by_key = {s.key: s for s in _ordered(session, workspace_id)}
    if sorted(keys) != sorted(by_key):
        raise ValueError("keys must list every stage of the workspace exactly once: " + ", ".join(by_key))
    ordered = [by_key[k] for k in keys]
    _renumber(ordered)
    return ordered


def leads_in_stage(session: Session, stage: PipelineStage, *, live: bool) -> int:
    stmt = select(func.count()).select_from(Lead).where(Lead.stage_id == stage.id)
    if live:
        stmt = stmt.where(Lead.deleted_at.is_(None))
    return int(session.scalar(stmt) or 0)


def live_leads_in_stage(session: Session, stage: PipelineStage) -> list[Lead]:
    return list(session.scalars(select(Lead).where(Lead.stage_id == stage.id, Lead.deleted_at.is_(None))))


def remove_stage(session: Session, stage: PipelineStage, *, erased_leads_to: PipelineStage | None) -> None:
    """Delete a stage that has no live leads; erased (anonymous) leads still pointing at it are
    re-pointed to `erased_leads_to` so their counts survive."""
    if erased_leads_to is not None:
        session.execute(update(Lead).where(Lead.stage_id == stage.id).values(stage_id=erased_leads_to.id))
    rest = [s for s in _ordered(session, stage.workspace_id) if s.id != stage.id]
    session.delete(stage)
    session.flush()
    _renumber(rest)


def _ordered(session: Session, workspace_id: str) -> list[PipelineStage]:
    return list(session.scalars(
        select(PipelineStage).where(PipelineStage.workspace_id == workspace_id)
        .order_by(PipelineStage.position, PipelineStage.id)
    ))


def _renumber(ordered: Sequence[PipelineStage]) -> None:
    for i, s in enumerate(ordered):
        s.position = i
