"""Slack notifications: Block Kit messages posted with a bot token (`chat.postMessage`) or to an
incoming-webhook URL. The hot-lead alert carries "Claim" and "Open lead" buttons; a click comes back
to `/webhooks/slack/interactions` (channels/slack_interactions.py)."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from leadline.notify.errors import DeliveryError, parse_retry_after
from leadline.notify.events import EVENT_TITLES
from leadline.notify.facts import LeadFacts

CLAIM_ACTION = "leadline_claim"
OPEN_ACTION = "leadline_open"
# Errors no retry can fix: the subscription (token, channel) must be corrected, then replayed.
PERMANENT_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "channel_not_found",
                    "not_in_channel", "is_archived", "missing_scope", "invalid_blocks", "no_permission"}


def _mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as markup (its documented rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def lead_alert(lead: LeadFacts, subscription_id: str, *, claimed_by: str | None = None) -> tuple[str, list[dict]]:
    """The hot-lead alert: who, score and band, each rubric dimension with its quote, channel, link."""
    who = _mrkdwn(lead.name or lead.email or "Unnamed lead")
    company = f" at *{_mrkdwn(lead.company)}*" if lead.company else ""
    text = f"Hot lead: {lead.name or lead.email or lead.id} ({lead.score}, {lead.band})"
    fields = [{"type": "mrkdwn", "text": f"*Score*\n{lead.score if lead.score is not None else '–'}/100"},
              {"type": "mrkdwn", "text": f"*Band*\n{lead.band or '–'}"},
              {"type": "mrkdwn", "text": f"*Channel*\n{lead.channel or '–'}"},
              {"type": "mrkdwn", "text": f"*Owner*\n{_mrkdwn(lead.owner) if lead.owner else 'unassigned'}"}]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Hot lead", "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*<{lead.url}|{who}>*{company}"}, "fields": fields},
    ]
    for d in lead.dimensions:
        quote = f"\n> {_mrkdwn(d.quote)}" if d.quote else "\n_no evidence yet_"
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": f"*{_mrkdwn(d.label)}*: {d.points} pts ({d.level}){quote}"}})
    if claimed_by:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn",
                                                        "text": f"Claimed by {_mrkdwn(claimed_by)}"}]})
    buttons: list[dict[str, Any]] = []
    if not claimed_by:
        buttons.append({"type": "button", "action_id": CLAIM_ACTION, "style": "primary",
                        "text": {"type": "plain_text", "text": "Claim"}, "value": f"{subscription_id}|{lead.id}"})
    buttons.append({"type": "button", "action_id": OPEN_ACTION, "url": lead.url,
                    "text": {"type": "plain_text", "text": "Open lead"}, "value": lead.id})
    blocks.append({"type": "actions", "block_id": "leadline_lead", "elements": buttons})
    return text, blocks


def event_message(event_type: str, payload: dict[str, Any], lead: LeadFacts | None) -> tuple[str, list[dict]]:
    """Any other lead event: one line with what happened and a link."""
    title = EVENT_TITLES.get(event_type, event_type)
    data = payload.get("data") or {}
    detail = ""
    if "from" in data and "to" in data:
        detail = f": {data['from']} → {data['to']}"
    elif data.get("error"):
        detail = f": {data['error']}"
    who = f"<{lead.url}|{_mrkdwn(lead.name or lead.email or lead.id)}>" if lead else (payload.get("lead_id") or "")
    line = f"*{title}*{_mrkdwn(str(detail))} {who}".strip()
    return f"{title}{detail}", [{"type": "section", "text": {"type": "mrkdwn", "text": line}}]


def post(settings: dict[str, Any], secrets: dict[str, Any], api_url: str, text: str, blocks: list[dict],
         timeout: float) -> tuple[int, str | None]:
    """Post with the subscription's bot token or incoming-webhook URL; returns (HTTP status, ts)."""
    if secrets.get("webhook_url"):
        try:
            r = WebhookClient(secrets["webhook_url"], timeout=int(max(1, timeout))).send(text=text, blocks=blocks)
        except OSError as e:
            raise DeliveryError(f"Slack webhook unreachable: {type(e).__name__}: {e}") from e
        if r.status_code == 429:
            raise DeliveryError("Slack webhook rate limited (429)", status=429,
                                retry_after=parse_retry_after((r.headers or {}).get("retry-after")))
        if r.status_code >= 300:
            raise DeliveryError(f"Slack webhook answered {r.status_code}: {r.body[:200]}", status=r.status_code,
                                retryable=r.status_code >= 500 or r.status_code == 408)
        return r.status_code, None
    token, channel = secrets.get("bot_token"), settings.get("channel")
    if not token or not channel:
        raise DeliveryError("the Slack subscription has neither a webhook_url nor a bot_token and channel",
                            retryable=False)
    client = WebClient(token=token, base_url=api_url, timeout=int(max(1, timeout)))
    try:
        r = client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as e:
        status, error = e.response.status_code, e.response.get("error", "unknown")
        if status == 429:
            raise DeliveryError("Slack rate limited chat.postMessage (429)", status=429,
                                retry_after=parse_retry_after(e.response.headers.get("retry-after"))) from e
        raise DeliveryError(f"Slack chat.postMessage failed: {error}", status=status,
                            retryable=error not in PERMANENT_ERRORS) from e
    except OSError as e:  # connection refused, timeout
        raise DeliveryError(f"Slack API unreachable: {type(e).__name__}: {e}") from e
    return r.status_code, r.get("ts")


def monotonic_ms(start: float) -> int:
    return int((time.monotonic() - start) * 1000)
