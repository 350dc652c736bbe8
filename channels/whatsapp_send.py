"""Sending agent replies to WhatsApp through the Graph API (`POST /{phone-number-id}/messages`).

The outbox worker calls `send_reply` for each `channel.reply` event of the whatsapp channel. Free
text may only be sent within 24 hours of the person's last message (the customer-service window);
outside it the number's configured template is sent instead, also when Meta answers 131047
because its clock disagrees with ours. A thin httpx client (not pywa, which hard-codes the Graph
URL) so tests point it at a local fake.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from storage import channel_configs, conversations

log = logging.getLogger(__name__)

SERVICE_WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW = 131047
# Rate limits and transient Graph failures: worth retrying with backoff.
RETRYABLE_CODES = {1, 2, 4, 80007, 130429, 131000, 131056, 133004}
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# One pooled client for the process (thread-safe): replies reuse connections to the Graph API.
_http = httpx.Client(timeout=TIMEOUT, limits=httpx.Limits(max_connections=50, max_keepalive_connections=20))


class WhatsAppSendError(Exception):
    """A failed send. `retryable` tells the worker whether another attempt can succeed."""

    def __init__(self, message: str, *, retryable: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.retryable, self.code = retryable, code


class GraphClient:
    def __init__(self, base_url: str, phone_number_id: str, token: str) -> None:
        self._url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self._headers = {"Authorization": f"Bearer {token}"}

    def send_text(self, to: str, body: str, context_message_id: str | None = None) -> str:
        message: dict[str, Any] = {"type": "text", "text": {"preview_url": False, "body": body}}
        if context_message_id:
            message["context"] = {"message_id": context_message_id}
        return self._send(to, message)

    def send_template(self, to: str, template: dict[str, Any]) -> str:
        body = {"name": template["name"], "language": {"code": template.get("language") or "en_US"}}
        if template.get("components"):
            body["components"] = template["components"]
        return self._send(to, {"type": "template", "template": body})

    def _send(self, to: str, message: dict[str, Any]) -> str:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        try:
            r = _http.post(self._url, json=payload, headers=self._headers)
        except httpx.HTTPError as e:
            raise WhatsAppSendError(f"Graph API unreachable: {type(e).__name__}", retryable=True) from None
        try:
            data = r.json()
        except ValueError:
            data = {}
        if r.status_code == 200 and data.get("messages"):
            return str(data["messages"][0]["id"])
        error = data.get("error") or {}
        code = error.get("code")
        detail = error.get("message") or r.reason_phrase
        retryable = r.status_code == 429 or r.status_code >= 500 or code in RETRYABLE_CODES
        raise WhatsAppSendError(f"Graph API {r.status_code} (code {code}): {detail}", retryable=retryable, code=code)


def send_reply(runtime: Any, event_id: str, payload: dict[str, Any], *,
               now: Callable[[], datetime] | None = None) -> str | None:
    """Send one `channel.reply` event; returns the wamid of the message WhatsApp accepted."""
    route = payload["route"]
    with runtime.sessions() as s:
        config = channel_configs.get_config(s, payload["workspace_id"], route["config_id"])
        if config is None or not config.active:
            raise WhatsAppSendError(f"WhatsApp channel {route['config_id']} is gone or inactive", retryable=False)
        token = (config.secrets or {}).get("access_token")
        template = (config.settings or {}).get("template")
        phone_number_id = config.address
        conversation_id = payload.get("conversation_id")
        last_in = conversations.last_visitor_message_at(s, conversation_id) if conversation_id else None
    if not token:
        raise WhatsAppSendError(f"WhatsApp channel {route['config_id']} has no access token", retryable=False)
    opened = [t for t in (last_in, _parse(route.get("received_at"))) if t is not None]
    at = (now or (lambda: datetime.now(UTC)))()
    client = GraphClient(runtime.settings.whatsapp_graph_url, phone_number_id, token)
    to = route["to"]
    if not opened or at - max(opened) >= SERVICE_WINDOW:
        return _template(client, to, template, event_id)
    try:
        return client.send_text(to, payload["text"], route.get("context_message_id"))
    except WhatsAppSendError as e:
        if e.code != OUTSIDE_WINDOW:
            raise
        log.info("whatsapp reply %s: outside the service window per Meta; sending the template", event_id)
        return _template(client, to, template, event_id)


def _template(client: GraphClient, to: str, template: dict[str, Any] | None, event_id: str) -> str:
    if not template or not template.get("name"):
        raise WhatsAppSendError("outside the 24-hour window free text cannot be sent and this number has no "
                                "template configured (settings.template)", retryable=False, code=OUTSIDE_WINDOW)
    log.info("whatsapp reply %s sent as template %s", event_id, template["name"])
    return client.send_template(to, template)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    t = datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=UTC)
