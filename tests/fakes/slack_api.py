"""A fake Slack Web API (and incoming-webhook / response_url endpoint) for slack-sdk's
`WebClient(base_url=fake.api_url)`: chat.postMessage, chat.update, auth.test, as Slack answers them
(HTTP 200 with `ok`, or 429 + Retry-After with `{"ok": false, "error": "ratelimited"}`)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from fakes.http_server import Request, Response, ServedFake


@dataclass
class SlackCall:
    method: str  # e.g. "chat.postMessage", or "webhook" / "response_url"
    token: str | None
    args: dict[str, Any]
    path: str


@dataclass
class FakeSlack(ServedFake):
    token: str = "xoxb-test-token"
    calls: list[SlackCall] = field(default_factory=list)
    # Queued faults, consumed one per API call: ("ratelimited", retry_after) | ("error", code) | ("slow", s)
    # | ("http", status)
    faults: list[tuple[str, Any]] = field(default_factory=list)
    # The same, but only for calls to one channel: for tests whose calls may come in any order.
    channel_faults: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    channels: set[str] = field(default_factory=lambda: {"C0SALES", "C0LEADS", "#sales"})
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.base_url

    @property
    def api_url(self) -> str:
        """Give this to `WebClient(base_url=…)`; it must end with a slash."""
        return f"{self.url}/api/"

    def webhook_url(self, name: str = "T000/B000/XXXX") -> str:
        return f"{self.url}/services/{name}"

    def posted(self, method: str = "chat.postMessage") -> list[SlackCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[SlackCall]:
        """Block until `count` calls of `method` arrived (or the timeout passes); return them."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.posted(method)) >= count, timeout)
        return self.posted(method)

    # -- the wire --------------------------------------------------------------------------------
    def _record(self, call: SlackCall) -> None:
        with self._lock:
            self.calls.append(call)
        with self._arrived:
            self._arrived.notify_all()

    def _handle(self, request: Request) -> Response:
        if request.path.startswith("/services/") or request.path.startswith("/actions/"):
            kind = "webhook" if request.path.startswith("/services/") else "response_url"
            self._record(SlackCall(kind, None, request.json(), request.path))
            return Response(200, "ok")
        if not request.path.startswith("/api/"):
            return Response(404, "not found")
        method = request.path.removeprefix("/api/")
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        content_type = request.headers.get("content-type", "")
        args = request.json() if "json" in content_type and request.body else request.form()
        token = token or args.pop("token", None)
        with self._lock:
            for_channel = self.channel_faults.get(str(args.get("channel")))
            fault = for_channel.pop(0) if for_channel else self.faults.pop(0) if self.faults else None
        if fault is not None:
            kind, value = fault
            if kind == "ratelimited":
                return Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(value)})
            if kind == "error":
                return Response(200, {"ok": False, "error": value})
            if kind == "slow":
                return Response(200, {"ok": True}, delay=float(value))
            if kind == "http":  # a bare HTTP failure from Slack's edge, e.g. ("http", 503)
                return Response(int(value), "Service Unavailable")
        if token != self.token:
            return Response(200, {"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            return Response(200, {"ok": True, "team_id": "T000", "user_id": "UBOT", "bot_id": "BBOT"})
        if method in ("chat.postMessage", "chat.update"):
            channel = args.get("channel")
            if channel not in self.channels:
                return Response(200, {"ok": False, "error": "channel_not_found"})
            ts = args.get("ts") or f"{1700000000 + next(self._ts)}.000100"
            self._record(SlackCall(method, token, args, request.path))
            message = {"type": "message", "text": args.get("text"), "ts": ts, "bot_id": "BBOT"}
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            return Response(200, {"ok": True, "channel": channel, "ts": ts, "message": message})
        return Response(200, {"ok": False, "error": "unknown_method"})
