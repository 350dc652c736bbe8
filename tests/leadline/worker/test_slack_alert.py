"""The hot-lead Slack alert end to end: a conversation makes the lead hot, the worker posts Block Kit
to a fake Slack Web API (slack-sdk over real HTTP), and "Claim" comes back signed to
/webhooks/slack/interactions, assigns the lead and updates the message."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from fakes.slack_api import FakeSlack
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from leadline.app import create_app
from leadline.worker import drain
from storage.db import unit_of_work
from storage.models import Activity, AuditLog, Delivery, Lead, OutboxEvent, Workspace

SIGNING = "slack-signing-secret"


def _slack_sub(subscribe, ws_id: str, fake: FakeSlack, **settings) -> str:  # type: ignore[no-untyped-def]
    return subscribe(ws_id, "slack", ["lead.qualified"], {"channel": "C0SALES", **settings},
                     {"bot_token": fake.token})


def _texts(blocks: list[dict]) -> str:
    return json.dumps(blocks)


def test_hot_lead_alert_shows_the_lead_with_bant_quotes_and_buttons(rt, ws_id, subscribe, hot_lead) -> None:  # type: ignore[no-untyped-def]
    with FakeSlack() as fake:
        rt.settings.slack_api_url = fake.api_url
        sub_id = _slack_sub(subscribe, ws_id, fake)
        lead_id = hot_lead(ws_id)
        drain(rt)
        [call] = fake.wait_for("chat.postMessage")
    assert call.args["channel"] == "C0SALES" and call.token == fake.token
    blocks = call.args["blocks"]
    blob = _texts(blocks)
    assert "Maria Lopez" in blob and "BrightPath" in blob and "100/100" in blob and "hot" in blob
    assert "widget" in blob and f"https://leads.example.com/leads/{lead_id}" in blob
    # Every BANT dimension with its verbatim quote.
    for label in ("Budget", "Authority", "Need", "Timing"):
        assert label in blob
    assert "$30k a year set aside" in blob
    actions = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert [a["text"]["text"] for a in actions] == ["Claim", "Open lead"]
    assert actions[0]["value"] == f"{sub_id}|{lead_id}" and actions[1]["url"].endswith(lead_id)
    assert "Hot lead" in call.args["text"]


def test_routing_can_switch_the_slack_alert_off(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    with FakeSlack() as fake:
        rt.settings.slack_api_url = fake.api_url
        _slack_sub(subscribe, ws_id, fake)
        emit(ws_id, "lead.qualified", data={"routing": {"slack_alert": False}})
        drain(rt)
        assert fake.posted() == []
    with rt.sessions() as s:
        assert s.scalars(select(Delivery)).all() == []
        assert s.scalars(select(OutboxEvent)).one().status == "delivered"


def test_slack_429_is_retried_after_retry_after_and_bad_channel_is_dead(rt, ws_id, subscribe, emit) -> None:  # type: ignore[no-untyped-def]
    with FakeSlack(faults=[("ratelimited", 0.3)]) as fake:
        rt.settings.slack_api_url = fake.api_url
        _slack_sub(subscribe, ws_id, fake)
        bad = subscribe(ws_id, "slack", ["lead.captured"], {"channel": "C0NOPE"}, {"bot_token": fake.token})
        emit(ws_id, "lead.qualified")
        drain(rt)
        time.sleep(0.4)
        drain(rt)
        emit(ws_id, "lead.captured")
        drain(rt)
        assert len(fake.wait_for("chat.postMessage")) == 1
    with rt.sessions() as s:
        rows = {d.subscription_id: d for d in s.scalars(select(Delivery))}
    assert rows[bad].status == "dead" and "channel_not_found" in (rows[bad].last_error or "")
    [ok] = [d for k, d in rows.items() if k != bad]
    assert ok.status == "delivered" and ok.attempts == 2


def _signed(body: str, ts: int | None = None) -> dict[str, str]:
    ts = ts or int(time.time())
    sig = SignatureVerifier(SIGNING).generate_signature(timestamp=str(ts), body=body)
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}


def _click(fake: FakeSlack, value: str, user: str = "U123") -> str:
    payload = {"type": "block_actions", "user": {"id": user}, "response_url": f"{fake.url}/actions/T0/1/xyz",
               "container": {"channel_id": "C0SALES", "message_ts": "1700000001.000100"},
               "actions": [{"action_id": "leadline_claim", "value": value}]}
    return urlencode({"payload": json.dumps(payload)})


def test_claim_assigns_the_mapped_owner_and_updates_the_message(rt, ws_id, subscribe, hot_lead) -> None:  # type: ignore[no-untyped-def]
    rt.settings.slack_signing_secret = SIGNING
    with FakeSlack() as fake:
        rt.settings.slack_api_url = fake.api_url
        sub_id = _slack_sub(subscribe, ws_id, fake, slack_owners={"U123": "alice@acme.io"})
        lead_id = hot_lead(ws_id)
        drain(rt)
        with TestClient(create_app(rt.settings, rt)) as client:
            body = _click(fake, f"{sub_id}|{lead_id}")
            forged = client.post("/webhooks/slack/interactions", content=body,
                                 headers={**_signed(body), "X-Slack-Signature": "v0=" + "0" * 64})
            assert forged.status_code == 401
            stale = client.post("/webhooks/slack/interactions", content=body, headers=_signed(body, 1_000_000_000))
            assert stale.status_code == 401
            with rt.sessions() as s:
                assert s.get(Lead, lead_id).owner is None
            r = client.post("/webhooks/slack/interactions", content=body, headers=_signed(body))
            assert r.status_code == 200
        drain(rt)
        [update] = fake.wait_for("response_url")
    assert update.args["replace_original"] is True
    blob = json.dumps(update.args["blocks"])
    assert "Claimed by alice@acme.io" in blob and "leadline_claim" not in blob and "Open lead" in blob
    with rt.sessions() as s:
        assert s.get(Lead, lead_id).owner == "alice@acme.io"
        audit = s.scalars(select(AuditLog).where(AuditLog.entity_id == lead_id)).one()
        assert audit.actor == "slack:U123" and audit.changes["after"] == {"owner": "alice@acme.io"}
        assert any("Claimed in Slack" in a.summary for a in s.scalars(select(Activity)))


def test_claim_by_an_unmapped_user_changes_nothing_and_says_why(rt, ws_id, subscribe, hot_lead) -> None:  # type: ignore[no-untyped-def]
    rt.settings.slack_signing_secret = SIGNING
    with unit_of_work(rt.sessions) as s:  # the workspace-wide mapping is used when the subscription has none
        ws = s.get(Workspace, ws_id)
        ws.settings = {**ws.settings, "slack_owners": {"U999": "bob@acme.io"}}
    with FakeSlack() as fake:
        rt.settings.slack_api_url = fake.api_url
        sub_id = _slack_sub(subscribe, ws_id, fake)
        lead_id = hot_lead(ws_id)
        with TestClient(create_app(rt.settings, rt)) as client:
            body = _click(fake, f"{sub_id}|{lead_id}", user="U555")
            assert client.post("/webhooks/slack/interactions", content=body, headers=_signed(body)).status_code == 200
            body = _click(fake, f"{sub_id}|{lead_id}", user="U999")
            assert client.post("/webhooks/slack/interactions", content=body, headers=_signed(body)).status_code == 200
        drain(rt)
        updates = fake.wait_for("response_url", 2)
    assert updates[0].args["response_type"] == "ephemeral" and "U555" in updates[0].args["text"]
    with rt.sessions() as s:
        assert s.get(Lead, lead_id).owner == "bob@acme.io"
