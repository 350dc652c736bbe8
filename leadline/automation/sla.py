"""Hourly: escalate leads that sit in a stage longer than its `sla_days` (SPEC P1). Once per stay:
the mark's key is the stage and the time the lead entered it, so leaving and re-entering the
stage starts a new stay, while later runs over the same stay do nothing.

The scan is the job's `plan` (reads only, before the run's transaction): on SQLite the run holds
the one write lock from its claim on, and every webhook and agent turn waits for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage.automation_queries import stage_stays_past_sla
from storage.job_runs import mark_once
from storage.lead_events import enqueue_lead_event
from storage.lead_queries import live_leads_by_ids
from storage.leads import add_activity, stage_of

if TYPE_CHECKING:
    from leadline.automation.scheduler import JobContext


@dataclass(frozen=True)
class Stay:
    lead_id: str
    stage_id: str
    since: datetime


def plan(ctx: JobContext) -> list[Stay]:
    return [Stay(lead.id, stage.id, since)
            for lead, stage, since in stage_stays_past_sla(ctx.session, ctx.workspace.id, ctx.now)]


def run(ctx: JobContext) -> dict[str, Any]:
    s, now, escalated = ctx.session, ctx.now, 0
    stays: list[Stay] = ctx.planned if ctx.planned is not None else plan(ctx)
    current = {lead.id: lead for lead in live_leads_by_ids(s, ctx.workspace.id, [st.lead_id for st in stays])}
    for stay in stays:
        lead = current.get(stay.lead_id)
        if lead is None or lead.stage_id != stay.stage_id:
            continue  # erased, or moved on since the plan was made: that stay is over
        stage = stage_of(s, lead)
        if stage.sla_days is None:
            continue  # the SLA was lifted since the plan was made
        if not mark_once(s, lead.workspace_id, lead.id, "sla_breached", f"{stage.key}@{stay.since.isoformat()}",
                         at=now):
            continue
        days = (now - stay.since).days
        summary = f"Escalated: {days} days in {stage.name}, over its SLA of {stage.sla_days} days"
        add_activity(s, lead, "system", summary, at=now,
                     data={"stage": stage.key, "sla_days": stage.sla_days, "since": stay.since.isoformat()})
        enqueue_lead_event(s, lead, "lead.sla_breached", at=now, data={
            "stage": stage.key, "stage_name": stage.name, "sla_days": stage.sla_days, "since": stay.since.isoformat(),
            "days_in_stage": days, "owner": lead.owner,
        })
        escalated += 1
    return {"escalated": escalated}
