"""A fake WhatsApp Cloud API (Meta Graph API): `POST /{version}/{phone_number_id}/messages` as Meta
answers it (INTEGRATIONS.md): 200 `{"messaging_product", "contacts": [{"input", "wa_id"}],
"messages": [{"id": "wamid…"}]}`, or an error object `{"error": {"message", "type", "code",
"error_data": {"details"}, "fbtrace_id"}}` for a bad token (401, code 190), a malformed body (400,
code 100), free text to a recipient outside the 24-hour window (400, code 131047) and queued faults."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from fakes.http_server import Request, Response, ServedFake

VERSION = "v21.0"


@dataclass
class GraphCall:
    phone_number_id: str
    token: str | None
    body: dict[str, Any]


def graph_error(status: int, code: int, message: str, details: str = "") -> Response:
    return Response(status, {"error": {"message": message, "type": "OAuthException", "code": code,
                                       "error_data": {"messaging_product": "whatsapp", "details": details},
                                       "fbtrace_id": "AbCdEfFake"}})


@dataclass
class FakeGraph(ServedFake):
    tokens: dict[str, str] = field(default_factory=dict)  # phone_number_id -> the access token it accepts
    outside_window: set[str] = field(default_factory=set)  # wa_ids whose free text Meta refuses (131047)
    faults: list[Response] = field(default_factory=list)  # answered one per call before anything else
    calls: list[GraphCall] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The Graph base URL including the version, as in LEADLINE_WHATSAPP_GRAPH_URL."""
        return f"{self.base_url}/{VERSION}"

    def sent(self) -> list[GraphCall]:
        with self._lock:
            return list(self.calls)

    def _handle(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if request.method != "POST" or len(parts) != 3 or parts[0] != VERSION or parts[2] != "messages":
            return graph_error(400, 100, "Unsupported request", f"no endpoint {request.method} {request.path}")
        pnid = parts[1]
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        with self._lock:
            if self.faults:
                return self.faults.pop(0)
        if pnid not in self.tokens or token != self.tokens[pnid]:
            return graph_error(401, 190, "Error validating access token: the session is invalid.")
        try:
            body = request.json()
        except ValueError:
            return graph_error(400, 100, "Invalid parameter", "the body is not JSON")
        problem = _check(body)
        if problem:
            return graph_error(400, 100, "Invalid parameter", problem)
        if body["type"] == "text" and body["to"] in self.outside_window:
            return graph_error(400, OUTSIDE_WINDOW_CODE, "Re-engagement message",
                               "Message failed to send because more than 24 hours have passed since the "
                               "customer last replied to this number.")
        with self._lock:
            self.calls.append(GraphCall(pnid, token, body))
            wamid = f"wamid.FAKE{next(self._ids):08d}"
        return Response(200, {"messaging_product": "whatsapp",
                              "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                              "messages": [{"id": wamid}]})


OUTSIDE_WINDOW_CODE = 131047


def _check(body: Any) -> str | None:
    """What Meta would refuse in the body's shape, or None."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if not isinstance(body.get("to"), str) or not body["to"]:
        return "to is required"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("body"), str) or not text["body"].strip():
            return "text.body is required"
        if len(text["body"]) > 4096:
            return "text.body is longer than 4096 characters"
        return None
    if kind == "template":
        t = body.get("template")
        if not isinstance(t, dict) or not t.get("name") or not isinstance(t.get("language"), dict) \
                or not t["language"].get("code"):
            return "template.name and template.language.code are required"
        return None
    return f"unsupported type {kind!r}"
