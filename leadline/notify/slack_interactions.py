"""Slack interactivity: the hot-lead alert's "Claim" button.

  POST /webhooks/slack/interactions   form field `payload` (JSON, `block_actions`), signed like Events

The v0 signature is checked over the raw body before anything else (DESIGN rule 3): 401 and nothing
stored when it is missing, stale or wrong. A Claim assigns the lead to the owner the clicking Slack
user is mapped to (the Slack subscription's `settings.slack_owners`, else the workspace setting
`slack_owners`: {"U123ABC": "alice@acme.io"}), writes the audit log and a timeline activity, and
queues the message update (through the interaction's `response_url`) in the same transaction, so
the worker sends it at least once and only if the claim was stored (DESIGN rule 2)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from channels.slack_events import problem, read_signed_slack
from leadline.notify import facts
from leadline.notify.slack import CLAIM_ACTION, lead_alert
from leadline.runtime import Runtime
from leadline.worker.work import SLACK_UPDATE
from storage import lead_queries, leads, outbox
from storage.audit import audit
from storage.db import Session, unit_of_work
from storage.models import Subscription, Workspace, utcnow

log = logging.getLogger(__name__)
router = APIRouter(tags=["slack"])
PATH = "/webhooks/slack/interactions"
MAX_BODY_BYTES = 256 * 1024


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SlackUser(_Wire):
    id: str = Field(max_length=64)
    name: str | None = Field(None, max_length=200)
    username: str | None = Field(None, max_length=200)


class Action(_Wire):
    action_id: str = Field(max_length=255)
    value: str | None = Field(None, max_length=2000)


class BlockActions(_Wire):
    type: str
    user: SlackUser
    actions: list[Action] = Field(default_factory=list)
    response_url: str | None = Field(None, max_length=2000)


def slack_owner(sub_settings: dict[str, Any], ws_settings: dict[str, Any], user_id: str) -> str | None:
    for mapping in (sub_settings.get("slack_owners"), ws_settings.get("slack_owners")):
        if isinstance(mapping, dict) and isinstance(mapping.get(user_id), str):
            return mapping[user_id]
    return None


def _reply(session: Session, workspace_id: str, response_url: str | None, message: dict[str, Any]) -> None:
    if response_url:
        outbox.enqueue(session, workspace_id, SLACK_UPDATE, {"type": SLACK_UPDATE, "response_url": response_url,
                                                            "message": message})


def claim(rt: Runtime, payload: BlockActions, value: str) -> str:
    """Assign the lead; returns what happened (for the log). Unknown or foreign ids change nothing."""
    sub_id, _, lead_id = value.partition("|")
    with unit_of_work(rt.sessions) as s:
        sub = s.get(Subscription, sub_id) if sub_id else None
        if sub is None or sub.kind != "slack":
            return "unknown subscription"
        ws = s.get(Workspace, sub.workspace_id)
        found = lead_queries.get_live_lead(s, sub.workspace_id, lead_id)
        if ws is None or found is None:
            _reply(s, sub.workspace_id, payload.response_url, {
                "response_type": "ephemeral", "replace_original": False, "text": "This lead no longer exists."})
            return "lead gone"
        lead = found[0]
        owner = slack_owner(sub.settings or {}, ws.settings or {}, payload.user.id)
        if owner is None:
            _reply(s, ws.id, payload.response_url, {
                "response_type": "ephemeral", "replace_original": False,
                "text": f"Your Slack user ({payload.user.id}) is not mapped to a Leadline owner; ask an admin to "
                        "add it to `slack_owners`."})
            return "unmapped user"
        before, actor = lead.owner, f"slack:{payload.user.id}"
        if before != owner:
            lead.owner = owner
            audit(s, ws.id, actor, "lead.update", "lead", lead.id, before={"owner": before}, after={"owner": owner})
            leads.add_activity(s, lead, "system", f"Claimed in Slack by {owner}", actor=actor, at=utcnow(),
                               data={"owner": owner, "slack_user": payload.user.id})
            s.flush()
        lead_facts = facts.load(s, rt.settings.public_url, [(ws.id, lead.id)]).get(lead.id)
        if lead_facts is not None:
            text, blocks = lead_alert(lead_facts, sub.id, claimed_by=owner)
            _reply(s, ws.id, payload.response_url, {"replace_original": True, "text": text, "blocks": blocks})
        return f"claimed by {owner}"


@router.post(PATH, include_in_schema=False)
async def interactions(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    raw = await read_signed_slack(request, MAX_BODY_BYTES, "Slack interactions")
    if not isinstance(raw, bytes):
        return raw
    try:
        payload = BlockActions.model_validate(json.loads(parse_qs(raw.decode())["payload"][0]))
    except (KeyError, IndexError, ValueError, ValidationError) as e:
        return problem(422, "Unexpected payload",
                       f"expected a form field `payload` with block_actions JSON ({e!s:.200})")
    if payload.type != "block_actions":
        return Response(status_code=200)
    for action in payload.actions:
        if action.action_id == CLAIM_ACTION and action.value:
            outcome = await run_in_threadpool(claim, rt, payload, action.value)
            log.info("slack claim of %s: %s", action.value.partition("|")[2], outcome)
    return Response(status_code=200)  # "Open lead" is a link button: Slack still reports the click
