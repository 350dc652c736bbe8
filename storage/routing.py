"""Hot-lead routing state (SPEC R1): the `hot` tag and the CRM hot-lead flag.

The rule itself (threshold, actions) is workspace settings validated by `skills.base.HotLeadRule`;
storage only records what it decided. The CRM sync reads `crm_hot_flags()` and pushes the flag as
a property of the CRM record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.direct import DirectStatement, columns, insert_now, loaded
from storage.leads import add_activity
from storage.models import Lead
from storage.models.automation import HotLead

HOT_TAG = "hot"


# A direct statement (`storage.direct`): every turn that crosses the threshold asks.
_HOT_ROW = DirectStatement(select(*columns(HotLead)).where(HotLead.lead_id == bindparam("lead")))


def _hot_row(session: Session, lead_id: str) -> HotLead | None:
    row = _HOT_ROW.first(session, {"lead": lead_id})
    return None if row is None else loaded(session, HotLead, row)


def mark_hot(session: Session, lead: Lead, *, score: int, threshold: int, tag: bool, crm_flag: bool,
             at: datetime, actor: str = "automation") -> None:
    row = _hot_row(session, lead.id)
    if row is None:
        insert_now(session, HotLead(lead_id=lead.id, workspace_id=lead.workspace_id, since=at, score=score,
                                    threshold=threshold, crm_flag=crm_flag))
    else:
        row.score, row.threshold, row.crm_flag = score, threshold, crm_flag
    if tag and HOT_TAG not in lead.tags:
        lead.tags = [*lead.tags, HOT_TAG]  # a new list: the JSON column tracks assignment, not mutation
    done = [what for what, on in (("tagged hot", tag), ("flagged hot for the CRM", crm_flag)) if on]
    add_activity(session, lead, "system", f"Hot lead: score {score} reached {threshold}"
                 + (f"; {', '.join(done)}" if done else ""), actor=actor, at=at,
                 data={"score": score, "threshold": threshold, "tag": tag, "crm_flag": crm_flag})


def clear_hot(session: Session, lead: Lead, *, score: int, threshold: int, at: datetime,
              actor: str = "automation") -> None:
    """The score fell below the threshold: drop the tag and the CRM flag the rule had set."""
    row = _hot_row(session, lead.id)
    if row is None and HOT_TAG not in lead.tags:
        return
    if row is not None:
        session.delete(row)
    lead.tags = [t for t in lead.tags if t != HOT_TAG]
    add_activity(session, lead, "system", f"No longer hot: score {score} is below {threshold}", actor=actor, at=at,
                 data={"score": score, "threshold": threshold})


def crm_hot_flags(session: Session, lead_ids: list[str]) -> dict[str, bool]:
    """Lead id -> the hot-lead flag to push to the CRM (absent leads are not hot)."""
    rows = session.execute(select(HotLead.lead_id, HotLead.crm_flag).where(HotLead.lead_id.in_(lead_ids)))
    return {lead_id: bool(flag) for lead_id, flag in rows}
