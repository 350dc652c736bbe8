"""A webhook receiver as a customer would write one: it checks `Leadline-Signature` (HMAC-SHA256
over "<t>.<body>", written here from the documented rule, not with Leadline's code), refuses stale
or bad signatures with 401, and dedupes on the event id. Faults can be queued."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fakes.http_server import Request, Response, ServedFake


@dataclass
class WebhookReceiver(ServedFake):
    secret: str
    # Consumed one per request: ("status", 500) | ("slow", seconds) | ("ratelimited", retry_after)
    faults: list[tuple[str, Any]] = field(default_factory=list)
    requests: int = 0
    rejected: int = 0
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # event id -> body, first one kept
    duplicates: int = 0
    attempts: list[tuple[str, str]] = field(default_factory=list)  # (event id, outcome)
    arrivals: list[float] = field(default_factory=list)  # unix time of each request
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"{self.base_url}/hooks/leadline"

    def wait_for(self, count: int, timeout: float = 10.0) -> dict[str, dict[str, Any]]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.events) >= count, timeout)
            return dict(self.events)

    def _valid(self, request: Request) -> bool:
        header = request.headers.get("leadline-signature", "")
        items = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        if not items.get("t", "").isdigit() or "v1" not in items or abs(time.time() - int(items["t"])) > 300:
            return False
        expected = hmac.new(self.secret.encode(), items["t"].encode() + b"." + request.body, hashlib.sha256)
        return hmac.compare_digest(expected.hexdigest(), items["v1"])

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.requests += 1
            self.arrivals.append(time.time())
            fault = self.faults.pop(0) if self.faults else None
        if not self._valid(request):
            with self._lock:
                self.rejected += 1
            return Response(401, {"error": "bad signature"})
        body = json.loads(request.body)
        event_id = request.headers.get("leadline-event-id")
        assert event_id == body["id"], "the header and body event ids differ"
        if fault is not None:
            kind, value = fault
            self.attempts.append((event_id, kind))
            if kind == "status":
                return Response(int(value), {"error": "boom"})
            if kind == "ratelimited":
                return Response(429, {"error": "slow down"}, {"Retry-After": str(value)})
        with self._arrived:
            if event_id in self.events:
                self.duplicates += 1
                self.attempts.append((event_id, "duplicate"))
            else:
                self.events[event_id] = body
                self.attempts.append((event_id, "ok"))
            self._arrived.notify_all()
        # "slow": the event is processed, but the answer comes after the sender's timeout, so the
        # sender retries and the receiver's dedupe by event id keeps it from counting twice.
        delay = float(fault[1]) if fault is not None and fault[0] == "slow" else 0.0
        return Response(200, {"ok": True}, delay=delay)
