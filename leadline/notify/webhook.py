"""Webhook deliveries: the event as JSON, signed (`Leadline-Signature`), with a unique event id
(`Leadline-Event-Id`, also the body's `id`) receivers dedupe on. Any non-2xx answer is retried;
Retry-After is honoured."""

from __future__ import annotations

import ipaddress
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from leadline.notify import signing
from leadline.notify.errors import DeliveryError, parse_retry_after

USER_AGENT = "Leadline-Webhooks/1"


def check_url(url: str) -> str | None:
    """Why a webhook URL is refused, or None. HTTPS only; plain HTTP to a loopback address is
    allowed for local development and tests."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an absolute https:// URL"
    if parts.scheme == "http":
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return "must use https:// (plain http is only allowed to localhost)"
    return None


def body(event_id: str, payload: dict[str, Any], lead: dict[str, Any] | None) -> bytes:
    envelope = {"id": event_id, "type": payload.get("type"), "workspace_id": payload.get("workspace_id"),
                "occurred_at": payload.get("occurred_at"), "lead_id": payload.get("lead_id"),
                "contact_id": payload.get("contact_id"), "conversation_id": payload.get("conversation_id"),
                "channel": payload.get("channel"), "data": payload.get("data") or {}, "lead": lead}
    return json.dumps(envelope, separators=(",", ":"), default=str).encode()


def post(client: httpx.Client, url: str, secret: str, event_id: str, event_type: str, content: bytes,
         attempt: int, now: float | None = None) -> int:
    """Send once; returns the HTTP status of a 2xx answer, raises DeliveryError otherwise."""
    ts = int(now if now is not None else time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Leadline-Event-Id": event_id,
               "Leadline-Event-Type": event_type, "Leadline-Delivery-Attempt": str(attempt),
               signing.HEADER: signing.sign(secret, ts, content)}
    try:
        r = client.post(url, content=content, headers=headers)
    except httpx.TimeoutException as e:
        raise DeliveryError(f"timed out after {client.timeout.read}s ({type(e).__name__})") from e
    except httpx.HTTPError as e:
        raise DeliveryError(f"receiver unreachable: {type(e).__name__}: {e}") from e
    if 200 <= r.status_code < 300:
        return r.status_code
    raise DeliveryError(f"receiver answered {r.status_code}: {r.text[:200]}", status=r.status_code,
                        retry_after=parse_retry_after(r.headers.get("retry-after")))
