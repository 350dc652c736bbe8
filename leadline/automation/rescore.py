"""Daily 03:00 UTC: re-score open leads (SPEC S6). Each lead's latest conversation is scored again
by the workspace rubric as of today: timing evidence ages ("next month", said 60 days ago, has
passed and no longer counts as within 90 days), and an edited rubric applies. Only a changed
score writes a new immutable record (reason "rescore") and its events, routed exactly as an agent
turn routes them (`lead.score_changed`; `lead.qualified` and the hot-lead rule on crossing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.state import ConversationState
from skills.base import HotLeadRule
from skills.rubric import load_rubric
from skills.sdr_lead_qualifier import hot_lead_crossing, qualified_data
from storage import leads, routing
from storage.automation_queries import scored_leads_with_conversation, visitor_message_dates
from storage.lead_events import enqueue_lead_event

if TYPE_CHECKING:
    from leadline.automation.scheduler import JobContext

ACTOR = "system:rescore"


def run(ctx: JobContext) -> dict[str, Any]:
    s, now, settings = ctx.session, ctx.now, ctx.workspace.settings or {}
    rubric = load_rubric(settings.get("rubric", "bant"))
    rule = HotLeadRule.from_settings(settings)
    checked = changed = qualified = 0
    for lead, conv in scored_leads_with_conversation(s, ctx.workspace.id):
        checked += 1
        extraction = ConversationState.model_validate(conv.state or {}).extraction()
        card = rubric.evaluate(extraction, as_of=now.date(), said_on=visitor_message_dates(s, conv.id))
        previous = lead.score
        if card.score == previous:
            continue
        changed += 1
        leads.record_score(s, lead, rubric=card.rubric, score=card.score, band=card.band,
                           breakdown=card.model_dump(mode="json")["dimensions"], reason="rescore", at=now)
        where = {"at": now, "conversation_id": conv.id, "channel": conv.channel}
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
