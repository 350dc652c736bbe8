"""Aggregates for the dashboard and the API (SPEC A4, D1): pipeline summary and lead sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import Lead, PipelineStage


@dataclass(frozen=True)
class StageTotals:
    stage: PipelineStage
    count: int
    value_cents: int


@dataclass(frozen=True)
class PipelineTotals:
    stages: list[StageTotals]  # every stage of the workspace, in pipeline order
    scored: int
    score_sum: int


def pipeline_totals(session: Session, workspace_id: str) -> PipelineTotals:
    """Live leads per stage with their deal value, plus what the average score needs. Erased leads
    are not in the working pipeline, so they are not counted here (they stay in lead_sources)."""
    rows = session.execute(
        select(Lead.stage_id, func.count(), func.coalesce(func.sum(Lead.deal_value_cents), 0),
               func.count(Lead.score), func.coalesce(func.sum(Lead.score), 0))
        .where(Lead.workspace_id == workspace_id, Lead.deleted_at.is_(None))
        .group_by(Lead.stage_id)
    ).all()
    per_stage = {stage_id: (int(n), int(value)) for stage_id, n, value, _, _ in rows}
    stages = session.scalars(
        select(PipelineStage).where(PipelineStage.workspace_id == workspace_id).order_by(PipelineStage.position)
    )
    return PipelineTotals(
        stages=[StageTotals(s, *per_stage.get(s.id, (0, 0))) for s in stages],
        scored=sum(int(r[3]) for r in rows),
        score_sum=sum(int(r[4]) for r in rows),
    )


@dataclass(frozen=True)
class SourceTotals:
    key: str | None
    count: int
    won: int
    scored: int
    score_sum: int
    value_cents: int


def lead_totals_by(session: Session, workspace_id: str, column: str, *, captured_from: datetime | None = None,
                   captured_to: datetime | None = None) -> list[SourceTotals]:
    """Leads grouped by `source` or `channel`, erased ones included: erasure removes the person,
    not the fact that a lead came from somewhere (the anonymous counts are kept)."""
    col = {"source": Lead.source, "channel": Lead.channel}[column]
    won = func.sum(case((PipelineStage.outcome == "won", 1), else_=0))
    stmt = (
        select(col, func.count(), won, func.count(Lead.score), func.coalesce(func.sum(Lead.score), 0),
               func.coalesce(func.sum(Lead.deal_value_cents), 0))
        .join(PipelineStage, PipelineStage.id == Lead.stage_id)
        .where(Lead.workspace_id == workspace_id)
        .group_by(col)
    )
    if captured_from is not None:
        stmt = stmt.where(Lead.captured_at >= captured_from)
    if captured_to is not None:
        stmt = stmt.where(Lead.captured_at < captured_to)
    rows = [SourceTotals(k, int(n), int(w or 0), int(sc), int(ss), int(v))
            for k, n, w, sc, ss, v in session.execute(stmt)]
    return sorted(rows, key=lambda r: (-r.count, r.key or ""))
