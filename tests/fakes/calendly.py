"""A fake Calendly webhook sender: builds `invitee.created` / `invitee.canceled` deliveries in
Calendly's API v2 shape and signs them as Calendly does (INTEGRATIONS.md "Calendly"):
`Calendly-Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256(signing_key, t + "." + raw_body)>`.
It posts with any httpx client (a real one against a live server, or FastAPI's TestClient)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx


class CalendlySender:
    def __init__(self, client: httpx.Client, url: str, signing_key: str) -> None:
        self.client, self.url, self.signing_key = client, url, signing_key

    @staticmethod
    def invitee_event(event: str, email: str, start: datetime, *, invitee_uri: str | None = None,
                      minutes: int = 30, rescheduled: bool = False, name: str = "Maria Lopez") -> dict[str, Any]:
        event_uri = f"https://api.calendly.com/scheduled_events/{uuid.uuid4()}"
        end = start + timedelta(minutes=minutes)
        iso = "%Y-%m-%dT%H:%M:%S.000000Z"
        return {
            "event": event,
            "created_at": datetime.now().astimezone().strftime(iso),
            "created_by": "https://api.calendly.com/users/AAAAAAAAAAAAAAAA",
            "payload": {
                "email": email, "name": name, "uri": invitee_uri or f"{event_uri}/invitees/{uuid.uuid4()}",
                "status": "canceled" if event == "invitee.canceled" else "active", "rescheduled": rescheduled,
                "cancel_url": "https://calendly.com/cancellations/x", "reschedule_url": "https://calendly.com/reschedulings/x",
                "scheduled_event": {"uri": event_uri, "name": "30 Minute Demo", "start_time": start.strftime(iso),
                                    "end_time": end.strftime(iso), "location": {"type": "zoom"}},
                "tracking": {"utm_source": None}, "questions_and_answers": [],
            },
        }

    def signature(self, body: bytes, t: int, key: str | None = None) -> str:
        digest = hmac.new((key or self.signing_key).encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={t},v1={digest}"

    def send(self, payload: dict[str, Any] | bytes, *, t: int | None = None, key: str | None = None,
             header: str | None = None, sign: bool = True) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "Calendly"}
        if sign:
            headers["Calendly-Webhook-Signature"] = header or self.signature(body, t or int(time.time()), key)
        return self.client.post(self.url, content=body, headers=headers)
