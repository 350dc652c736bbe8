"""Daily 08:00 UTC: remind owners of overdue follow-ups (SPEC R3). One `lead.follow_up_overdue`
per overdue open lead per day; the worker e-mails the owner and feeds subscriptions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage.automation_queries import overdue_follow_ups
from storage.lead_events import enqueue_lead_event

if TYPE_CHECKING:
    from leadline.automation.scheduler import JobContext


def run(ctx: JobContext) -> dict[str, Any]:
    overdue = overdue_follow_ups(ctx.session, ctx.workspace.id, ctx.now)
    for lead in overdue:
        due = lead.next_follow_up_at
        assert due is not None
        enqueue_lead_event(ctx.session, lead, "lead.follow_up_overdue", at=ctx.now, data={
            "owner": lead.owner, "due_at": due.isoformat(), "overdue_days": (ctx.now - due).days,
        })
    return {"reminded": len(overdue)}
