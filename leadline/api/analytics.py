"""Analytics (SPEC A4, D1): the pipeline summary and where leads come from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from leadline.api.auth import Reader
from leadline.api.deps import DB
from leadline.api.problems import invalid
from leadline.api.schemas import PipelineSummary, SourceCount, SourcesOut, StageSummary
from storage.analytics import SourceTotals, lead_totals_by, pipeline_totals

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _avg(total: int, n: int) -> float | None:
    return round(total / n, 1) if n else None


@router.get("/pipeline", response_model=PipelineSummary, summary="Pipeline summary")
def pipeline(session: DB, caller: Reader) -> PipelineSummary:
    """Live leads: total; active (in open stages); won; lost; total pipeline value (deal values of
    active leads, cents); conversion rate (% of leads won); average score (of scored leads); and per
    stage, in pipeline order, its id, name, lead count and deal value (cents)."""
    totals = pipeline_totals(session, caller.workspace_id)

    def count(outcome: str) -> int:
        return sum(t.count for t in totals.stages if t.stage.outcome == outcome)

    total = sum(t.count for t in totals.stages)
    return PipelineSummary(
        total=total,
        active=count("open"),
        won=count("won"),
        lost=count("lost"),
        total_pipeline_value=sum(t.value_cents for t in totals.stages if t.stage.outcome == "open"),
        conversion_rate=_pct(count("won"), total),
        avg_score=_avg(totals.score_sum, totals.scored),
        by_stage=[StageSummary(stage_id=t.stage.id, stage_name=t.stage.name, count=t.count, value=t.value_cents)
                  for t in totals.stages],
    )


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _counts(rows: list[SourceTotals], total: int) -> list[SourceCount]:
    return [SourceCount(key=r.key, count=r.count, share=_pct(r.count, total), won=r.won,
                        avg_score=_avg(r.score_sum, r.scored), value=r.value_cents) for r in rows]


@router.get("/sources", response_model=SourcesOut, summary="Lead sources and channels")
def sources(
    session: DB,
    caller: Reader,
    captured_from: Annotated[datetime | None, Query(description="captured at or after (UTC if no offset)")] = None,
    captured_to: Annotated[datetime | None, Query(description="captured before (UTC if no offset)")] = None,
) -> SourcesOut:
    """Leads per source (website, referral, …) and per channel (widget, whatsapp, …; null for
    leads entered by hand or through the capture form), with share, wins, average score and deal
    value. Erased leads are counted: erasure removes the person, not the anonymous count."""
    start, end = _utc(captured_from), _utc(captured_to)
    if start is not None and end is not None and start >= end:
        raise invalid("captured_from", "must be before captured_to", where="query")
    by_source = lead_totals_by(session, caller.workspace_id, "source", captured_from=start, captured_to=end)
    by_channel = lead_totals_by(session, caller.workspace_id, "channel", captured_from=start, captured_to=end)
    total = sum(r.count for r in by_source)
    return SourcesOut(total=total, by_source=_counts(by_source, total), by_channel=_counts(by_channel, total))
