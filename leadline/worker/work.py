"""Outbox events that are work for the worker rather than facts to fan out: an inbound provider
message waiting for its agent turn, an agent reply to send through its channel, a Slack message
to update after a button click."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import ValidationError

from agent.types import InboundMessage
from leadline.notify.errors import DeliveryError
from leadline.runtime import Runtime
from storage import outbox
from storage.db import Session
from storage.workspaces import UnknownWorkspace

log = logging.getLogger(__name__)

SLACK_UPDATE = "slack.update"
# channel -> "module:function" sending a `channel.reply` (DESIGN rule 7: an explicit map). Resolved
# lazily, so a channel whose sender is missing fails its own events (retryably), not the worker.
REPLY_SENDERS: dict[str, str] = {
    "whatsapp": "channels.whatsapp_send:send_reply",
    "email": "channels.email_send:send_reply",
    "slack": "channels.slack_send:send_reply",
}
ReplySender = Callable[[Runtime, str, dict[str, Any]], "str | None"]
# What a handler asks the worker to write in the transaction that records its event as delivered.
Record = Callable[[Session], Any]


def reply_sender(channel: str) -> ReplySender:
    spec = REPLY_SENDERS.get(channel)
    if spec is None:
        raise DeliveryError(f"channel {channel!r} has no reply sender", retryable=False)
    module_name, _, func = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), func)
    except (ImportError, AttributeError) as e:
        raise DeliveryError(f"the {channel} reply sender {spec} is not available: {e}") from e


def run_turn(rt: Runtime, event_id: str, payload: dict[str, Any]) -> Record | None:
    try:
        msg = InboundMessage.model_validate(payload)
    except ValidationError as e:
        raise DeliveryError(f"invalid inbound message: {e.errors(include_url=False)[:3]}", retryable=False) from e
    try:
        rt.agent.handle(msg)  # commits its own turn; a redelivered message is a no-op (DESIGN rule 4)
    except UnknownWorkspace as e:
        raise DeliveryError(str(e), retryable=False) from e
    return None


def send_reply(rt: Runtime, event_id: str, payload: dict[str, Any]) -> Record | None:
    """Send through the channel; the provider's message id is written with the event's outcome."""
    sender = reply_sender(str(payload.get("channel")))
    provider_id = sender(rt, event_id, payload)
    if not provider_id:
        return None
    workspace_id = str(payload.get("workspace_id"))
    return lambda s: outbox.resolve_pending_message(s, workspace_id, event_id, provider_id)


def update_slack_message(rt: Runtime, event_id: str, payload: dict[str, Any]) -> Record | None:
    """Replace the alert through the interaction's response_url (valid 30 minutes, 5 uses)."""
    try:
        r = httpx.post(payload["response_url"], json=payload["message"], timeout=rt.settings.webhook_timeout_seconds)
    except httpx.HTTPError as e:
        raise DeliveryError(f"Slack response_url unreachable: {type(e).__name__}") from e
    if r.status_code >= 300:
        raise DeliveryError(f"Slack response_url answered {r.status_code}: {r.text[:200]}", status=r.status_code,
                            retryable=r.status_code >= 500 or r.status_code == 429)
    return None


HANDLERS: dict[str, Callable[[Runtime, str, dict[str, Any]], Record | None]] = {
    outbox.INBOUND_MESSAGE: run_turn,
    outbox.CHANNEL_REPLY: send_reply,
    SLACK_UPDATE: update_slack_message,
}
# Work that waits on a provider's API rather than on the CPU: run in the send pool, in parallel, in
# the background, instead of between agent turns (where a 200 ms API call would stall the queue).
NETWORK_BOUND = frozenset({outbox.CHANNEL_REPLY, SLACK_UPDATE})
