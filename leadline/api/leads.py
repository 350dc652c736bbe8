"""Lead API v1 (SPEC A1, A2, A5, L2, P3, G3): list, fetch, create, update, erase, log activities,
bulk actions. Every write is audited with the key that made it and the fields before and after."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from leadline.api.auth import Admin, Caller, Reader, Writer
from leadline.api.deps import DB, utcnow
from leadline.api.events import lead_event
from leadline.api.filters import decode_cursor, encode_cursor, lead_filter
from leadline.api.problems import Problem, invalid, not_found
from leadline.api.schemas import (
    PAGE_LIMIT,
    ActivityCreate,
    ActivityOut,
    BulkRequest,
    BulkResult,
    LeadCreate,
    LeadDetail,
    LeadOut,
    LeadPage,
    LeadPatch,
)
from leadline.api.views import PATCHABLE, lead_detail, lead_out, snapshot, stage_keys
from storage import lead_queries
from storage.audit import audit
from storage.erasure import erase_lead
from storage.intake import lead_for_person
from storage.lead_queries import LeadFilter
from storage.leads import add_activity, move_stage
from storage.models import Contact, Lead
from storage.sessions import Session

router = APIRouter(prefix="/v1/leads", tags=["leads"])


def _live(session: Session, caller: Caller, lead_id: str) -> tuple[Lead, Contact]:
    found = lead_queries.get_live_lead(session, caller.workspace_id, lead_id)
    if found is None:  # also for another workspace's lead: its existence is not revealed
        raise not_found("lead", lead_id)
    return found


def _check_stage(keys: dict[str, str], stage: str, field: str = "stage") -> None:
    if stage not in keys.values():
        raise invalid(field, f"unknown stage {stage!r}; this workspace's stages are {', '.join(keys.values())}")


def _changed(before: dict[str, object], after: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _move(session: Session, lead: Lead, stage: str, caller: Caller) -> tuple[str, str] | None:
    """Move through storage, which writes the stage-change activity and queues its events."""
    return move_stage(session, lead, stage, actor=caller.actor, at=utcnow())


@router.get("", response_model=LeadPage, summary="List leads")
def list_leads(
    session: DB,
    caller: Reader,
    f: Annotated[LeadFilter, Depends(lead_filter)],
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT, description=f"page size, at most {PAGE_LIMIT}")] = 50,
) -> LeadPage:
    """Leads of the key's workspace, newest first, filtered; keyset pagination with `cursor`.

    `q` matches an exact e-mail address or part of a company name: names and e-mails are encrypted
    at rest (SPEC G2) and are looked up through a keyed index, not by fragment."""
    rows = lead_queries.list_leads(session, caller.workspace_id, f, before_id=decode_cursor(cursor),
                                   limit=limit + 1)
    keys = stage_keys(session, caller.workspace_id)
    page = rows[:limit]
    more = len(rows) > limit
    return LeadPage(data=[lead_out(ld, c, keys) for ld, c in page],
                    next_cursor=encode_cursor(page[-1][0].id) if more and page else None)


@router.post("", response_model=LeadOut, status_code=201, summary="Add a lead by hand",
             responses={200: {"description": "a lead with this e-mail already existed; it is returned"}})
def create_lead(body: LeadCreate, session: DB, caller: Writer, response: Response) -> LeadOut:
    """First name, last name and e-mail are required (SPEC L2). A person is one lead per e-mail
    (SPEC L3): if the e-mail is known, its lead is returned with 200 and only the contact's empty
    fields are filled in."""
    keys = stage_keys(session, caller.workspace_id)
    if body.stage is not None:
        _check_stage(keys, body.stage)
    at, ws = utcnow(), caller.workspace_id
    lead, contact, created, filled = lead_for_person(
        session, ws, email=body.email, name=f"{body.first_name} {body.last_name}", phone=body.phone,
        company=body.company, title=body.title, source=body.source, channel=None, at=at, actor=caller.actor,
    )
    if not created:
        if filled:
            audit(session, ws, caller.actor, "lead.update", "lead", lead.id, before={k: None for k in filled},
                  after=filled)
        response.status_code = 200
        return lead_out(lead, contact, keys)
    lead.company_size, lead.deal_value_cents, lead.owner = body.company_size, body.deal_value_cents, body.owner
    lead.tags, lead.notes = body.tags, body.notes
    if body.stage is not None:
        move_stage(session, lead, body.stage, actor=caller.actor, at=at)
    lead_event(session, lead, "lead.captured", at=at, actor=caller.actor, data={"source": body.source})
    audit(session, ws, caller.actor, "lead.create", "lead", lead.id, before=None, after=snapshot(lead, contact, keys))
    response.headers["Location"] = f"/v1/leads/{lead.id}"
    return lead_out(lead, contact, keys)


@router.post("/bulk", response_model=BulkResult, summary="Act on up to 200 leads at once")
def bulk(body: BulkRequest, session: DB, caller: Writer) -> BulkResult:
    """Actions (SPEC A2), at most 200 ids: `tag`/`untag` (with `tags`), `stage` (with `stage`),
    `sync` (queue a CRM sync), `notify` (queue a note to the sales team, optional `message`). All or
    nothing: if any id is not a lead of this workspace, nothing is changed (404)."""
    keys = stage_keys(session, caller.workspace_id)
    if body.action in ("tag", "untag") and not body.tags:
        raise invalid("tags", f"is required for the {body.action!r} action")
    if body.action == "stage":
        if body.stage is None:
            raise invalid("stage", "is required for the 'stage' action")
        _check_stage(keys, body.stage)
    leads = lead_queries.live_leads_by_ids(session, caller.workspace_id, body.ids)
    missing = sorted(set(body.ids) - {ld.id for ld in leads})
    if missing:
        raise Problem(404, f"{len(missing)} lead(s) not found in this workspace, nothing was changed: "
                           + ", ".join(missing[:20]) + (" …" if len(missing) > 20 else ""),
                      kind="not-found", missing=missing)
    at, changed = utcnow(), 0
    for lead in sorted(leads, key=lambda ld: ld.id):
        before = snapshot(lead, None, keys)
        if body.action == "tag":
            lead.tags = list(dict.fromkeys([*lead.tags, *(body.tags or [])]))
        elif body.action == "untag":
            lead.tags = [t for t in lead.tags if t not in set(body.tags or [])]
        elif body.action == "stage":
            assert body.stage is not None
            _move(session, lead, body.stage, caller)
        elif body.action == "sync":
            lead.crm_sync_status = "pending"
            lead_event(session, lead, "lead.sync_requested", at=at, actor=caller.actor, data={"force": True})
        else:
            lead_event(session, lead, "lead.notify", at=at, actor=caller.actor, data={"message": body.message})
        b, a = _changed(before, snapshot(lead, None, keys))
        if body.action in ("sync", "notify"):
            b, a = b or {}, {**a, "requested": body.action}
        if a:
            changed += 1
            audit(session, caller.workspace_id, caller.actor, f"lead.bulk_{body.action}", "lead", lead.id,
                  before=b, after=a)
    return BulkResult(action=body.action, matched=len(leads), changed=changed)


@router.get("/{lead_id}", response_model=LeadDetail, summary="Fetch one lead")
def get_lead(lead_id: str, session: DB, caller: Reader) -> LeadDetail:
    """Profile, the latest score with each dimension's verbatim quote, score history, the full
    transcript, consents and the activity timeline (SPEC D2)."""
    lead, contact = _live(session, caller, lead_id)
    return lead_detail(session, lead, contact, stage_keys(session, caller.workspace_id))


@router.patch("/{lead_id}", response_model=LeadOut, summary="Update a lead")
def patch_lead(lead_id: str, body: LeadPatch, session: DB, caller: Writer) -> LeadOut:
    """Change stage, tags (the whole list), owner, deal value (cents), next follow-up or notes. A
    stage change writes a timeline activity (SPEC P3) and queues `lead.stage_changed`."""
    lead, contact = _live(session, caller, lead_id)
    keys = stage_keys(session, caller.workspace_id)
    changes = body.model_dump(exclude_unset=True)
    if "stage" in changes:
        _check_stage(keys, changes["stage"])
    before = snapshot(lead, None, keys)
    if "stage" in changes:
        _move(session, lead, changes["stage"], caller)
    for field in ("tags", "owner", "deal_value_cents", "notes"):
        if field in changes:
            setattr(lead, field, changes[field])
    if "next_follow_up_at" in changes:
        due = body.next_follow_up_at
        lead.next_follow_up_at = due.astimezone(UTC) if due else None
    b, a = _changed({k: before[k] for k in PATCHABLE}, {k: v for k, v in snapshot(lead, None, keys).items()
                                                         if k in PATCHABLE})
    if a:
        audit(session, caller.workspace_id, caller.actor, "lead.update", "lead", lead.id, before=b, after=a)
    return lead_out(lead, contact, keys)


@router.delete("/{lead_id}", status_code=204, summary="Erase a lead (GDPR)")
def delete_lead(lead_id: str, session: DB, caller: Admin) -> Response:
    """Admin only. Erases the person's data everywhere Leadline kept it (SPEC G3): name, e-mail,
    phone, company, messages, consent wording, score quotes, activity texts, notes, and personal
    fields in the audit log. The anonymous lead (source, channel, stage, score, value, dates) stays
    so counts and source analytics are unchanged; the lead is gone from the API."""
    lead, _ = _live(session, caller, lead_id)
    keys = stage_keys(session, caller.workspace_id)
    at = utcnow()
    crm_ids = erase_lead(session, lead, at=at)
    lead_event(session, lead, "lead.erased", at=at, actor=caller.actor, data={"crm_ids": crm_ids})
    audit(session, caller.workspace_id, caller.actor, "lead.erase", "lead", lead.id,
          before={"stage": keys.get(lead.stage_id), "score": lead.score, "source": lead.source},
          after={"deleted_at": at.isoformat()})
    return Response(status_code=204)


@router.post("/{lead_id}/activities", response_model=ActivityOut, status_code=201, summary="Log an activity")
def log_activity(lead_id: str, body: ActivityCreate, session: DB, caller: Writer) -> ActivityOut:
    """A call, e-mail, meeting or note on the lead's timeline (SPEC P3)."""
    lead, _ = _live(session, caller, lead_id)
    at = (body.occurred_at or utcnow()).astimezone(UTC)
    last = lead.last_activity_at
    act = add_activity(session, lead, body.kind, body.summary, actor=caller.actor, at=at)
    lead.last_activity_at = max(last, at)  # logging an old call does not make the lead look idle
    session.flush()
    audit(session, caller.workspace_id, caller.actor, "lead.activity", "lead", lead.id, before=None,
          after={"activity_id": act.id, "kind": act.kind, "summary": act.summary, "at": at.isoformat()})
    return ActivityOut(id=act.id, kind=act.kind, summary=act.summary, actor=act.actor, data=act.data or {},
                       at=act.created_at)
