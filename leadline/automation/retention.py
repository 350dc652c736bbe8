"""Daily 02:00 UTC: the per-workspace retention policy (SPEC G2). With workspace setting
`retention_days` (unset: keep), leads without activity for that long are erased as a GDPR
deletion would (storage.erasure: personal data gone, anonymous counts kept, `lead.erased` queued
so CRM copies go too), and so are contacts that never became leads and have been quiet as long."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from storage.audit import audit
from storage.automation_queries import leadless_contacts_inactive_since, leads_inactive_since
from storage.erasure import erase_contact, erase_lead
from storage.lead_events import enqueue_lead_event

if TYPE_CHECKING:
    from leadline.automation.scheduler import JobContext

ACTOR = "system:retention"


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: int | None = Field(
        None, ge=1, le=36500, description="erase personal data inactive this many days; null keeps it"
    )

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> RetentionPolicy:
        return cls(retention_days=(settings or {}).get("retention_days"))


def run(ctx: JobContext) -> dict[str, Any]:
    days = RetentionPolicy.from_settings(ctx.workspace.settings).retention_days
    if days is None:
        return {"policy": "keep"}
    s, now, ws = ctx.session, ctx.now, ctx.workspace.id
    cutoff = now - timedelta(days=days)
    leads = leads_inactive_since(s, ws, cutoff)
    for lead in leads:
        crm_ids = erase_lead(s, lead, at=now)
        enqueue_lead_event(s, lead, "lead.erased", at=now,
                           data={"crm_ids": crm_ids, "actor": ACTOR, "reason": "retention"})
        audit(s, ws, ACTOR, "lead.erase", "lead", lead.id, before=None, after={"retention_days": days})
    contacts = leadless_contacts_inactive_since(s, ws, cutoff)
    for contact_id in contacts:
        erase_contact(s, contact_id, at=now)
    return {"retention_days": days, "leads_erased": len(leads), "contacts_erased": len(contacts)}
