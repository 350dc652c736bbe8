"""Automation settings (admin; issue 5): the hot-lead routing rule (SPEC R1), the retention policy
(SPEC G2) and the Calendly webhook signing key (SPEC P2), plus the scheduled job runs for
operators. Every change is audited; the signing key is stored encrypted and never returned."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from leadline.api.auth import Admin
from leadline.api.deps import DB, utcnow
from leadline.automation.retention import RetentionPolicy
from skills.base import HotLeadRule
from skills.rubric import RubricError, load_rubric
from storage import job_runs
from storage.audit import audit
from storage.integrations import get_integration, put_integration
from storage.models import Workspace
from storage.sessions import Session
from storage.workspaces import get_active_workspace

router = APIRouter(prefix="/v1/automation", tags=["automation"])
CALENDLY = "calendly"


class HotLeadRuleOut(HotLeadRule):
    effective_threshold: int = Field(description="the threshold in force (the rubric's when `threshold` is null)")


class CalendlyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signing_key: str = Field(min_length=16, max_length=500,
                             description="the webhook subscription's signing key; stored encrypted")


class CalendlyOut(BaseModel):
    configured: bool
    webhook_path: str = Field(description="register this path of your Leadline URL as the webhook callback")
    updated_at: datetime | None = None


class JobRunOut(BaseModel):
    job: str
    period: str
    worker: str
    started_at: datetime
    finished_at: datetime | None
    result: dict[str, Any]


def _workspace(session: Session, workspace_id: str) -> Workspace:
    return get_active_workspace(session, workspace_id)


def _set_setting(ws: Workspace, path: tuple[str, ...], value: Any) -> None:
    # A new dict: the JSON column notices assignment, not in-place mutation.
    settings = dict(ws.settings or {})
    if len(path) == 2:
        settings[path[0]] = {**(settings.get(path[0]) or {}), path[1]: value}
    else:
        settings[path[0]] = value
    ws.settings = settings


def _rule_out(ws: Workspace) -> HotLeadRuleOut:
    rule = HotLeadRule.from_settings(ws.settings)
    try:
        effective = rule.threshold_for(load_rubric((ws.settings or {}).get("rubric", "bant")))
    except RubricError:
        effective = rule.threshold if rule.threshold is not None else 80
    return HotLeadRuleOut(**rule.model_dump(), effective_threshold=effective)


@router.get("/hot-lead", response_model=HotLeadRuleOut, summary="The hot-lead routing rule")
def get_hot_lead(session: DB, caller: Admin) -> HotLeadRuleOut:
    """When a lead's score reaches the threshold (default 80): tag `hot`, flag for the CRM, alert
    Slack, offer a demo slot in the same reply. Applied in the agent's turn and the daily re-score."""
    return _rule_out(_workspace(session, caller.workspace_id))


@router.put("/hot-lead", response_model=HotLeadRuleOut, summary="Set the hot-lead routing rule")
def put_hot_lead(body: HotLeadRule, session: DB, caller: Admin) -> HotLeadRuleOut:
    ws = _workspace(session, caller.workspace_id)
    before = HotLeadRule.from_settings(ws.settings).model_dump()
    _set_setting(ws, ("automation", "hot_lead"), body.model_dump())
    audit(session, ws.id, caller.actor, "automation.hot_lead.update", "workspace", ws.id, before=before,
          after=body.model_dump())
    return _rule_out(ws)


@router.get("/retention", response_model=RetentionPolicy, summary="The retention policy")
def get_retention(session: DB, caller: Admin) -> RetentionPolicy:
    """Leads and contacts without activity for `retention_days` are erased by the daily purge
    (02:00 UTC) as a GDPR deletion would; null keeps them."""
    return RetentionPolicy.from_settings(_workspace(session, caller.workspace_id).settings)


@router.put("/retention", response_model=RetentionPolicy, summary="Set the retention policy")
def put_retention(body: RetentionPolicy, session: DB, caller: Admin) -> RetentionPolicy:
    ws = _workspace(session, caller.workspace_id)
    before = RetentionPolicy.from_settings(ws.settings).model_dump()
    _set_setting(ws, ("retention_days",), body.retention_days)
    audit(session, ws.id, caller.actor, "automation.retention.update", "workspace", ws.id, before=before,
          after=body.model_dump())
    return body


def _calendly_out(session: Session, workspace_id: str) -> CalendlyOut:
    row = get_integration(session, workspace_id, CALENDLY)
    return CalendlyOut(configured=row is not None, webhook_path=f"/webhooks/calendly/{workspace_id}",
                       updated_at=row.updated_at if row else None)


@router.get("/calendly", response_model=CalendlyOut, summary="The Calendly integration")
def get_calendly(session: DB, caller: Admin) -> CalendlyOut:
    return _calendly_out(session, caller.workspace_id)


@router.put("/calendly", response_model=CalendlyOut, summary="Set the Calendly webhook signing key")
def put_calendly(body: CalendlyIn, session: DB, caller: Admin) -> CalendlyOut:
    """Bookings made through Calendly move leads to `demo_booked` (cancellations back to
    `qualified`). Create a webhook subscription in Calendly for `invitee.created` and
    `invitee.canceled` pointing at `webhook_path`, and give its signing key here."""
    ws = _workspace(session, caller.workspace_id)
    existed = get_integration(session, ws.id, CALENDLY, active_only=False) is not None
    row = put_integration(session, ws.id, CALENDLY, secrets={"signing_key": body.signing_key}, at=utcnow())
    audit(session, ws.id, caller.actor, "integration.calendly.update", "integration", row.id,
          before={"signing_key": "set"} if existed else None, after={"signing_key": "set"})
    return _calendly_out(session, ws.id)


@router.get("/jobs", response_model=list[JobRunOut], summary="Recent scheduled job runs")
def list_job_runs(session: DB, caller: Admin,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[JobRunOut]:
    """The latest runs of the scheduled jobs for this workspace, newest first, with their counts."""
    return [JobRunOut(job=r.job, period=r.period, worker=r.worker, started_at=r.started_at,
                      finished_at=r.finished_at, result=r.result or {})
            for r in job_runs.recent_runs(session, caller.workspace_id, limit)]
