"""Hourly: escalate leads that sit in a stage longer than its `sla_days` (SPEC P1). Once per stay:
the mark's key is the stage and the time the lead entered it, so leaving and re-entering the
stage starts a new stay, while later runs over the same stay do nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage.automation_queries import stage_stays_past_sla
from storage.job_runs import mark_once
from storage.lead_events import enqueue_lead_event
from storage.leads import add_activity

if TYPE_CHECKING:
    from leadline.automation.scheduler import JobContext


def run(ctx: JobContext) -> dict[str, Any]:
    s, now, escalated = ctx.session, ctx.now, 0
    for lead, stage, since in stage_stays_past_sla(s, ctx.workspace.id, now):
        if not mark_once(s, lead.workspace_id, lead.id, "sla_breached", f"{stage.key}@{since.isoformat()}", at=now):
            continue
        days = (now - since).days
        summary = f"Escalated: {days} days in {stage.name}, over its SLA of {stage.sla_days} days"
        add_activity(s, lead, "system", summary, at=now,
                     data={"stage": stage.key, "sla_days": stage.sla_days, "since": since.isoformat()})
        enqueue_lead_event(s, lead, "lead.sla_breached", at=now, data={
            "stage": stage.key, "stage_name": stage.name, "sla_days": stage.sla_days, "since": since.isoformat(),
            "days_in_stage": days, "owner": lead.owner,
        })
        escalated += 1
    return {"escalated": escalated}
