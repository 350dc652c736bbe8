"""The hot-lead rule (SPEC R1) applied in the agent's turn, in its transaction: tag, CRM flag,
`lead.qualified` with the Slack routing, and demo slots offered in that same reply."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Activity, Lead
from storage.models.automation import HotLead
from storage.routing import crm_hot_flags


def test_a_lead_crossing_the_threshold_is_routed_in_the_same_turn(runtime, make_workspace, talk, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    *before, last = talk(ws)
    assert all("hot" not in (r.band or "") for r in before) and last.score == 100
    assert "Here are three times" in last.text  # offer_demo: slots in this reply
    with runtime.sessions() as s:
        lead = s.get(Lead, last.lead_id)
        assert lead.tags == ["hot"]
        assert crm_hot_flags(s, [lead.id]) == {lead.id: True}
        [act] = s.scalars(select(Activity).where(Activity.lead_id == lead.id, Activity.kind == "system")).all()
        assert "score 100 reached 80" in act.summary and act.actor == "agent"
    [qualified] = events("lead.qualified")
    assert qualified["lead_id"] == last.lead_id and qualified["conversation_id"] == last.conversation_id
    assert qualified["data"] == {"score": 100, "band": "hot", "threshold": 80, "routing": {
        "slack_alert": True, "crm_flag": True, "tag_hot": True, "offer_demo": True}}


def test_the_workspace_rule_changes_threshold_and_actions(runtime, make_workspace, talk, events, hot_talk) -> None:  # type: ignore[no-untyped-def]
    rule = {"threshold": 70, "tag_hot": False, "crm_flag": True, "slack_alert": False, "offer_demo": False}
    ws = make_workspace(automation={"hot_lead": rule})
    replies = talk(ws, hot_talk[:4])  # 75 points: hot by this rule only
    last = replies[-1]
    assert last.score == 75 and "lead.qualified" in last.events
    assert "times for a" not in last.text  # no offer
    [qualified] = events("lead.qualified")
    assert qualified["data"]["threshold"] == 70
    assert qualified["data"]["routing"] == {"slack_alert": False, "crm_flag": True, "tag_hot": False,
                                            "offer_demo": False}
    with runtime.sessions() as s:
        lead = s.get(Lead, last.lead_id)
        assert lead.tags == [] and s.get(HotLead, lead.id).crm_flag is True


def test_a_disabled_rule_still_reports_qualified_but_acts_not(runtime, make_workspace, talk, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(automation={"hot_lead": {"enabled": False}})
    last = talk(ws)[-1]
    assert last.score == 100 and "times for a" not in last.text
    [qualified] = events("lead.qualified")
    assert not any(qualified["data"]["routing"].values())
    with runtime.sessions() as s:
        lead = s.get(Lead, last.lead_id)
        assert "hot" not in lead.tags and crm_hot_flags(s, [lead.id]) == {lead.id: False}


def test_a_booked_demo_moves_the_stage_with_each_event_once(runtime, make_workspace, talk, events) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    last = talk(ws)[-1]
    booked = talk(ws, ["2"])[-1]
    assert "demo is booked" in booked.text
    [changed] = events("lead.stage_changed")
    [demo] = events("lead.demo_booked")
    assert changed["data"]["to"] == "demo_booked" and changed["conversation_id"] == last.conversation_id
    assert demo["lead_id"] == last.lead_id and demo["data"]["start"].startswith("2026-11-25T14:00")
    assert demo["data"]["timezone"] == "UTC" and demo["data"]["from"] == "new"
