"""Daily 08:00 UTC: remind owners of overdue follow-ups (SPEC R3). One `lead.follow_up_overdue`
per overdue open lead per day; the worker e-mails the owner and feeds subscriptions.

The scan is the job's `plan` (reads only, before the run's transaction; see `sla`). A lead whose
follow-up or stage changed since is left to the next day's run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage.automation_queries import overdue_follow_ups
from storage.lead_events import enqueue_lead_event
from storage.lead_queries import live_leads_by_ids

if TYPE_CHECKING:
    from leadline.automation.scheduler import JobContext


@dataclass(frozen=True)
class Overdue:
    lead_id: str
    due_at: datetime
    stage_id: str


def plan(ctx: JobContext) -> list[Overdue]:
    out = []
    for lead in overdue_follow_ups(ctx.session, ctx.workspace.id, ctx.now):
        assert lead.next_follow_up_at is not None
        out.append(Overdue(lead.id, lead.next_follow_up_at, lead.stage_id))
    return out


def run(ctx: JobContext) -> dict[str, Any]:
    overdue: list[Overdue] = ctx.planned if ctx.planned is not None else plan(ctx)
    current = {lead.id: lead for lead in live_leads_by_ids(ctx.session, ctx.workspace.id,
                                                            [o.lead_id for o in overdue])}
    reminded = 0
    for item in overdue:
        lead = current.get(item.lead_id)
        if lead is None or lead.next_follow_up_at != item.due_at or lead.stage_id != item.stage_id:
            continue
        enqueue_lead_event(ctx.session, lead, "lead.follow_up_overdue", at=ctx.now, data={
            "owner": lead.owner, "due_at": item.due_at.isoformat(), "overdue_days": (ctx.now - item.due_at).days,
        })
        reminded += 1
    return {"reminded": reminded}
