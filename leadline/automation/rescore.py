"""Daily 03:00 UTC: re-score open leads (SPEC S6). Each lead's latest conversation is scored again
by the workspace rubric as of today: timing evidence ages ("next month", said 60 days ago, has
passed and no longer counts as within 90 days), and an edited rubric applies. Only a changed
score writes a new immutable record (reason "rescore") and its events, routed exactly as an agent
turn routes them (`lead.score_changed`; `lead.qualified` and the hot-lead rule on crossing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.state import ConversationState
from skills.base import HotLeadRule
from skills.rubric import ScoreCard, load_rubric
from skills.sdr_lead_qualifier import hot_lead_crossing, qualified_data
from storage import leads, routing
from storage.automation_queries import scored_leads_with_conversation, visitor_message_dates
from storage.lead_events import enqueue_lead_event
from storage.lead_queries import live_leads_by_ids

if TYPE_CHECKING:
    from leadline.automation.scheduler import JobContext

ACTOR = "system:rescore"


@dataclass(frozen=True)
class Rescored:
    lead_id: str
    previous: int | None
    card: ScoreCard
    conversation_id: str
    channel: str


def plan(ctx: JobContext) -> tuple[int, list[Rescored]]:
    """Score every open lead again (reads only); the number checked and the leads whose score changes."""
    s, now = ctx.session, ctx.now
    rubric = load_rubric((ctx.workspace.settings or {}).get("rubric", "bant"))
    checked, changes = 0, []
    for lead, conv in scored_leads_with_conversation(s, ctx.workspace.id):
        checked += 1
        extraction = ConversationState.model_validate(conv.state or {}).extraction()
        card = rubric.evaluate(extraction, as_of=now.date(), said_on=visitor_message_dates(s, conv.id))
        if card.score != lead.score:
            changes.append(Rescored(lead.id, lead.score, card, conv.id, conv.channel))
    return checked, changes


def run(ctx: JobContext) -> dict[str, Any]:
    s, now, settings = ctx.session, ctx.now, ctx.workspace.settings or {}
    checked, changes = ctx.planned if ctx.planned is not None else plan(ctx)
    rubric = load_rubric(settings.get("rubric", "bant"))
    rule = HotLeadRule.from_settings(settings)
    changed = qualified = 0
    current = {lead.id: lead for lead in live_leads_by_ids(s, ctx.workspace.id, [c.lead_id for c in changes])}
    for change in changes:
        lead, card = current.get(change.lead_id), change.card
        if lead is None or lead.score != change.previous:
            continue  # erased, or scored by a turn since the plan was made: that score is newer
        changed += 1
        previous = lead.score
        leads.record_score(s, lead, rubric=card.rubric, score=card.score, band=card.band,
                           breakdown=card.model_dump(mode="json")["dimensions"], reason="rescore", at=now)
        where = {"at": now, "conversation_id": change.conversation_id, "channel": change.channel}
        enqueue_lead_event(s, lead, "lead.score_changed", **where,
                           data={"from": previous, "to": card.score, "band": card.band, "reason": "rescore"})
        route = hot_lead_crossing(rule, rubric, previous, card.score)
        if route is not None and route.hot:
            qualified += 1
            routing.mark_hot(s, lead, score=route.score, threshold=route.threshold, tag=route.tag,
                             crm_flag=route.crm_flag, at=now, actor=ACTOR)
            enqueue_lead_event(s, lead, "lead.qualified", **where, data=qualified_data(rule, route, card.band))
        elif route is not None:
            routing.clear_hot(s, lead, score=route.score, threshold=route.threshold, at=now, actor=ACTOR)
    return {"checked": checked, "changed": changed, "qualified": qualified}
