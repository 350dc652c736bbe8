"""Pipeline stage management (SPEC P1): anyone with a key may read the stages; changing them
needs the admin scope. Stages are addressed by their key (`qualified`), which never changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from leadline.api.auth import Admin, Caller, Reader
from leadline.api.deps import DB, utcnow
from leadline.api.problems import Problem, invalid, not_found
from leadline.api.schemas import StageCreate, StageOrder, StageOut, StagePatch
from storage import stages as stage_store
from storage.audit import audit
from storage.lead_queries import stages as list_stages
from storage.leads import move_stage
from storage.models import PipelineStage
from storage.sessions import Session

router = APIRouter(prefix="/v1/stages", tags=["stages"])
_FIELDS = ("name", "position", "win_probability", "color", "auto_nurture", "sla_days", "outcome")


def _out(s: PipelineStage) -> StageOut:
    return StageOut(id=s.id, key=s.key, name=s.name, position=s.position, win_probability=s.win_probability,
                    color=s.color, auto_nurture=s.auto_nurture, sla_days=s.sla_days, outcome=s.outcome)


def _view(s: PipelineStage) -> dict[str, object]:
    return {f: getattr(s, f) for f in _FIELDS}


def _stage(session: Session, caller: Caller, key: str) -> PipelineStage:
    stage = stage_store.stage_by_key_or_none(session, caller.workspace_id, key)
    if stage is None:
        raise not_found("stage", key)
    return stage


@router.get("", response_model=list[StageOut], summary="List stages")
def get_stages(session: DB, caller: Reader) -> list[StageOut]:
    """The workspace's stages in pipeline order."""
    return [_out(s) for s in list_stages(session, caller.workspace_id)]


@router.post("", response_model=StageOut, status_code=201, summary="Add a stage (admin)")
def add_stage(body: StageCreate, session: DB, caller: Admin, response: Response) -> StageOut:
    if stage_store.stage_by_key_or_none(session, caller.workspace_id, body.key) is not None:
        raise Problem(409, f"a stage with key {body.key!r} already exists", kind="conflict")
    stage = stage_store.add_stage(session, caller.workspace_id, **body.model_dump())
    audit(session, caller.workspace_id, caller.actor, "stage.create", "stage", stage.id, before=None,
          after={"key": stage.key, **_view(stage)})
    response.headers["Location"] = f"/v1/stages/{stage.key}"
    return _out(stage)


@router.put("/order", response_model=list[StageOut], summary="Reorder stages (admin)")
def reorder(body: StageOrder, session: DB, caller: Admin) -> list[StageOut]:
    """`keys` lists every stage key once, in the new order."""
    before = [s.key for s in list_stages(session, caller.workspace_id)]
    try:
        ordered = stage_store.reorder_stages(session, caller.workspace_id, body.keys)
    except ValueError as e:
        raise invalid("keys", str(e)) from None
    audit(session, caller.workspace_id, caller.actor, "stage.reorder", "workspace", caller.workspace_id,
          before={"order": before}, after={"order": body.keys})
    return [_out(s) for s in ordered]


@router.get("/{key}", response_model=StageOut, summary="Fetch a stage")
def get_stage(key: str, session: DB, caller: Reader) -> StageOut:
    return _out(_stage(session, caller, key))


@router.patch("/{key}", response_model=StageOut, summary="Change a stage (admin)")
def patch_stage(key: str, body: StagePatch, session: DB, caller: Admin) -> StageOut:
    """Name, win probability %, colour, auto-nurture, SLA days, outcome or position; the key stays."""
    stage = _stage(session, caller, key)
    before = _view(stage)
    changes = body.model_dump(exclude_unset=True)
    for field in ("name", "win_probability", "color", "auto_nurture", "outcome"):
        if field in changes:
            if changes[field] is None:
                raise invalid(field, "cannot be null")
            setattr(stage, field, changes[field])
    if key == "new" and stage.outcome != "open":
        raise invalid("outcome", "the 'new' stage receives new leads and must stay open")
    if "sla_days" in changes:
        stage.sla_days = changes["sla_days"]
    if changes.get("position") is not None:
        stage_store.move_stage_position(session, stage, changes["position"])
    after = _view(stage)
    diff = [k for k in after if after[k] != before[k]]
    if diff:
        audit(session, caller.workspace_id, caller.actor, "stage.update", "stage", stage.id,
              before={k: before[k] for k in diff}, after={k: after[k] for k in diff})
    return _out(stage)


@router.delete("/{key}", status_code=204, summary="Remove a stage (admin)")
def delete_stage(
    key: str,
    session: DB,
    caller: Admin,
    move_to: Annotated[str | None, Query(description="stage key to move this stage's leads to")] = None,
) -> Response:
    """A stage that still holds leads is kept (409) unless `move_to` names where they go; each move
    is a normal stage change (timeline activity, `lead.stage_changed`). The `new` stage cannot be
    removed: new leads start there."""
    stage = _stage(session, caller, key)
    if key == "new":
        raise Problem(409, "the 'new' stage receives new leads and cannot be removed", kind="conflict")
    target = None
    if move_to is not None:
        target = stage_store.stage_by_key_or_none(session, caller.workspace_id, move_to)
        if target is None or target.id == stage.id:
            raise invalid("move_to", f"must be another stage of this workspace, not {move_to!r}", where="query")
    live = stage_store.leads_in_stage(session, stage, live=True)
    if live and target is None:
        raise Problem(409, f"stage {key!r} still has {live} lead(s); move them first or pass ?move_to=STAGE",
                      kind="conflict")
    at, gone = utcnow(), {"key": key, **_view(stage)}
    if target is not None:
        for lead in stage_store.live_leads_in_stage(session, stage):
            moved = move_stage(session, lead, target.key, actor=caller.actor, at=at, reason=f"stage {key} removed")
            if moved:  # move_stage queued `lead.stage_changed` with the activity
                audit(session, caller.workspace_id, caller.actor, "lead.update", "lead", lead.id,
                      before={"stage": moved[0]}, after={"stage": moved[1]})
    # Erased leads keep only anonymous counts; they follow to the target (or to "new").
    fallback = target or stage_store.stage_by_key_or_none(session, caller.workspace_id, "new")
    stage_store.remove_stage(session, stage, erased_leads_to=fallback)
    audit(session, caller.workspace_id, caller.actor, "stage.delete", "stage", stage.id,
          before=gone, after=None)
    return Response(status_code=204)
