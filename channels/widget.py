"""Website widget and hosted chat page adapter (SPEC L4 `widget`, `hosted_page`).

The adapter only translates (DESIGN): it verifies the visitor's signed session token and the
page's origin, turns a posted message into one `InboundMessage`, lets the agent run the turn (the
agent owns its transaction), returns the reply, and wakes the session's event streams. Replies a
person sends later go through `post_human_reply`, which stores them and pushes them to the page.

Endpoints (the public key is in the path so a CORS preflight can be judged per workspace):
  POST /widget/v1/{public_key}/session   {token?, channel?} -> {token, history, consent_text, greeting, ...}
  POST /widget/v1/{public_key}/messages  Bearer token; {text, client_message_id} -> {message, reply}
  GET  /widget/v1/{public_key}/stream    ?token=…&after=… ; Server-Sent Events, honours Last-Event-ID
Pages (`/`, `/chat/{public_key}`, `/widget.js`) are in `channels.widget_pages`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from agent.types import MAX_MESSAGE_CHARS, Channel, InboundMessage
from channels import widget_tokens as tokens
from channels.widget_events import EventHub
from channels.widget_origin import cors_headers, origin_allowed
from channels.widget_pages import router as pages_router
from skills.collect_lead import CollectLeadConfig
from storage import crypto, widget_queries
from storage.conversations import add_message
from storage.db import unit_of_work
from storage.ids import new_id
from storage.models import Message
from storage.workspaces import PublicWorkspace, UnknownWorkspace, active_workspace_by_public_key

if TYPE_CHECKING:  # only storage imports SQLAlchemy at run time (DESIGN)
    from storage.db import Session, sessionmaker

WIDGET_CHANNELS = (Channel.widget.value, Channel.hosted_page.value)
MAX_BODY_BYTES = 64 * 1024
HISTORY_LIMIT = 200


@dataclass
class WidgetState:
    """Per-app state: the signing key, the stream hub and stream timings (short in tests)."""

    key: bytes
    hub: EventHub = field(default_factory=EventHub)
    heartbeat_seconds: float = 15.0
    # A stream ends after this and the EventSource reconnects with Last-Event-ID. It bounds how long
    # an open page can hold up a graceful shutdown (uvicorn waits for open responses).
    stream_max_seconds: float = 60.0
    # Every widget request names its workspace by public key; the lookup is kept this long, so an
    # edit of the workspace's settings (allowed origins, greeting) reaches the widget within seconds.
    # A deactivated workspace's messages are refused at once anyway: the agent's turn checks.
    workspace_ttl_seconds: float = 5.0
    _workspaces: dict[str, tuple[float, PublicWorkspace]] = field(default_factory=dict)

    def workspace(self, sessions: sessionmaker[Session], public_key: str) -> PublicWorkspace | None:
        now = time.monotonic()
        hit = self._workspaces.get(public_key)
        if hit is not None and hit[0] > now:
            return hit[1]
        with sessions() as s:
            ws = active_workspace_by_public_key(s, public_key)
        if ws is None:  # unknown keys are not kept: anyone can make up keys
            self._workspaces.pop(public_key, None)
        else:
            self._workspaces[public_key] = (now + self.workspace_ttl_seconds, ws)
        return ws


def widget_state(app: FastAPI) -> WidgetState:
    state = getattr(app.state, "widget", None)
    if state is None:
        settings = app.state.runtime.settings
        master = (crypto.parse_key(settings.data_key) if settings.data_key
                  else crypto.load_or_create_key(settings.data_dir / "data.key"))
        state = app.state.widget = WidgetState(key=tokens.derive_key(master))
    return state


# -- bodies ---------------------------------------------------------------------------------------
class SessionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    token: str | None = Field(None, max_length=tokens.MAX_TOKEN_CHARS)
    channel: Literal["widget", "hosted_page"] = "widget"


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str
    # Chosen by the page per message and resent on a retry, so a retry never runs a second turn.
    client_message_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")


class ProblemError(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """RFC 9457 problem details."""
    if status == 401:
        headers = (headers or {}) | {"WWW-Authenticate": "Bearer"}
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json", headers=headers)


def message_json(m: Message) -> dict[str, Any]:
    return message_dict(m.id, m.role, m.text, m.created_at, m.provider_message_id)


def message_dict(message_id: int, role: str, text: str, at: datetime, provider_message_id: str | None = None,
                 ) -> dict[str, Any]:
    out: dict[str, Any] = {"id": message_id, "role": role, "text": text, "at": at.astimezone(UTC).isoformat()}
    if role == "visitor" and provider_message_id and ":" in provider_message_id:
        out["client_id"] = provider_message_id.split(":", 1)[1]  # lets the page match its own pending message
    return out


# -- shared steps ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Visit:
    """A request's workspace and the CORS headers its answers carry."""

    workspace: PublicWorkspace
    cors: dict[str, str]


def _load_workspace(request: Request, public_key: str) -> _Visit:
    ws = widget_state(request.app).workspace(request.app.state.runtime.sessions, public_key)
    if ws is None:
        raise ProblemError(404, "Unknown workspace", f"no active workspace has the public key {public_key!r}")
    if not origin_allowed(request, ws.settings):
        raise ProblemError(403, "Origin not allowed",
                           f"{request.headers.get('origin')} is not an allowed origin of this workspace")
    return _Visit(ws, cors_headers(request, ws.settings))


def _claims(request: Request, visit: _Visit, token: str | None) -> tokens.SessionClaims:
    if not token:
        raise ProblemError(401, "Missing session token", "send the session token from POST …/session")
    try:
        claims = tokens.verify(widget_state(request.app).key, token)
    except tokens.BadToken as e:
        raise ProblemError(401, "Invalid session token", str(e)) from None
    if claims.workspace_id != visit.workspace.id or claims.channel not in WIDGET_CHANNELS:
        raise ProblemError(401, "Invalid session token", "the session token is not for this workspace")
    return claims


def _parse(raw: bytes, model: type[BaseModel]) -> Any:
    if len(raw) > MAX_BODY_BYTES:
        raise ProblemError(413, "Request too large", f"the body has {len(raw)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as e:
        err = e.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "body"
        raise ProblemError(422, "Invalid request", f"{where}: {err['msg']}") from None


def consent_text(settings: dict[str, Any]) -> str:
    """The consent wording collect_lead will ask with, shown before any request for contact details."""
    configured = ((settings.get("skill_config") or {}).get("collect_lead") or {}).get("consent_text")
    if isinstance(configured, str) and configured.strip():
        return configured
    return str(CollectLeadConfig.model_fields["consent_text"].default)


def greeting(visit: _Visit) -> str:
    configured = (visit.workspace.settings.get("widget") or {}).get("greeting")
    if isinstance(configured, str) and configured.strip():
        return configured
    return f"Hi! Questions about {visit.workspace.name}? Ask me anything — pricing, demos, how it works."


# -- endpoints ------------------------------------------------------------------------------------
api = APIRouter(prefix="/widget/v1/{public_key}", tags=["widget"])


@api.options("/session")
@api.options("/messages")
@api.options("/stream")
def preflight(request: Request, public_key: str) -> Response:
    try:
        visit = _load_workspace(request, public_key)  # a sync endpoint: FastAPI runs it in the threadpool
    except ProblemError as e:
        return problem(e.status, e.title, e.detail)  # no CORS headers: the browser blocks the call
    return Response(status_code=204, headers=cors_headers(request, visit.workspace.settings, preflight=True))


@api.post("/session")
async def start_session(request: Request, public_key: str) -> Response:
    """Start or resume a visitor session: a fresh token, the conversation so far, the notices."""
    raw = await request.body()
    return await run_in_threadpool(_start_session, request, public_key, raw)  # database work: off the loop


def _start_session(request: Request, public_key: str, raw: bytes) -> Response:
    visit: _Visit | None = None
    try:
        visit = _load_workspace(request, public_key)
        body: SessionIn = _parse(raw, SessionIn)
        if body.token:
            claims = _claims(request, visit, body.token)
            session_id, channel = claims.session_id, claims.channel
        else:
            session_id, channel = new_id("vs"), body.channel
    except ProblemError as e:
        return problem(e.status, e.title, e.detail, visit.cors if visit else None)
    # A new session id has no conversation yet: only a resumed session has history to read.
    sessions = request.app.state.runtime.sessions
    history = _history(sessions, visit.workspace.id, channel, session_id) if body.token else []
    token = tokens.sign(widget_state(request.app).key, visit.workspace.id, session_id, channel)
    return JSONResponse({
        "token": token,  # re-issued on every visit, so an active visitor's session does not expire
        "channel": channel,
        "workspace": {"name": visit.workspace.name},
        "consent_text": consent_text(visit.workspace.settings),
        "greeting": greeting(visit),
        "max_chars": MAX_MESSAGE_CHARS,
        "history": history,
    }, headers=visit.cors)


@api.post("/messages")
async def post_message(request: Request, public_key: str) -> Response:
    """One visitor message -> one agent turn -> the reply (a retry with the same id gets the same reply)."""
    raw = await request.body()
    # One hop for the whole request, to the runtime's turn threads (see Runtime.turns), with the
    # request's context variables as starlette's threadpool would pass them. Should the request be
    # cancelled (shutdown), a turn under way still commits, and a retry with the same
    # client_message_id gets its reply.
    turns = request.app.state.runtime.turns
    call = functools.partial(contextvars.copy_context().run, _post_message, request, public_key, raw)
    return await asyncio.get_running_loop().run_in_executor(turns, call)


def _post_message(request: Request, public_key: str, raw: bytes) -> Response:
    visit: _Visit | None = None
    rt = request.app.state.runtime
    try:
        visit = _load_workspace(request, public_key)
        auth = request.headers.get("authorization", "")
        claims = _claims(request, visit, auth[7:].strip() if auth[:7].lower() == "bearer " else None)
        body: MessageIn = _parse(raw, MessageIn)
        try:
            msg = InboundMessage(workspace_id=visit.workspace.id, channel=claims.channel, sender_id=claims.session_id,
                                 thread_id=claims.session_id, text=body.text,
                                 # namespaced by session: one visitor's ids can never collide with another's
                                 provider_message_id=f"{claims.session_id}:{body.client_message_id}")
        except ValidationError as e:
            raise ProblemError(422, "Invalid message", e.errors(include_url=False)[0]["msg"]) from None
        try:
            reply = rt.agent.handle(msg)
        except UnknownWorkspace as e:  # deactivated since the token was issued
            raise ProblemError(404, "Unknown workspace", str(e)) from None
    except ProblemError as e:
        return problem(e.status, e.title, e.detail, visit.cors if visit else None)
    assert msg.provider_message_id is not None
    if reply.duplicate:  # a retry: answer with what the first send stored
        turn = _turn(rt.sessions, visit.workspace.id, claims.channel, msg.provider_message_id)
        message = message_json(turn[0]) if turn else None
        answer = message_json(turn[1]) if turn and turn[1] else None
    else:
        assert reply.message_id is not None and reply.reply_id is not None and reply.at is not None
        message = message_dict(reply.message_id, "visitor", msg.text, reply.at, msg.provider_message_id)
        answer = message_dict(reply.reply_id, "agent", reply.text, reply.at)
        widget_state(request.app).hub.publish(claims.session_id)  # the visitor's other tabs
    return JSONResponse({"message": message, "reply": answer, "duplicate": reply.duplicate}, headers=visit.cors)


@api.get("/stream")
async def stream(request: Request, public_key: str, token: str | None = None, after: str = "0") -> Response:
    """Server-Sent Events: every message of the session's conversation after `after` (or after the
    Last-Event-ID a reconnecting EventSource sends), then new ones as they are written."""
    visit: _Visit | None = None
    try:
        visit = await run_in_threadpool(_load_workspace, request, public_key)  # a database read: off the loop
        claims = _claims(request, visit, token)
    except ProblemError as e:
        return problem(e.status, e.title, e.detail, visit.cors if visit else None)
    last = request.headers.get("last-event-id", "").strip()
    cursor = int(last) if last.isdigit() else int(after) if after.isdigit() else 0
    headers = visit.cors | {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_events(request, visit.workspace.id, claims, cursor), media_type="text/event-stream",
                             headers=headers)


async def _events(request: Request, workspace_id: str, claims: tokens.SessionClaims, cursor: int) -> AsyncIterator[str]:
    state = widget_state(request.app)
    sessions = request.app.state.runtime.sessions
    sub = state.hub.subscribe(claims.session_id)  # before the first read, so no write falls in between
    conv_id: str | None = None
    deadline = time.monotonic() + state.stream_max_seconds
    try:
        yield "retry: 2000\n\n"
        while True:
            conv_id, rows = await run_in_threadpool(_new_messages, sessions, workspace_id, claims, conv_id, cursor)
            for row in rows:
                cursor = row["id"]
                yield f"id: {cursor}\ndata: {json.dumps(row, separators=(',', ':'))}\n\n"
            if len(rows) == HISTORY_LIMIT:
                continue  # a long replay: read the next page now
            if time.monotonic() > deadline:
                return
            if not await sub.wait(state.heartbeat_seconds):
                yield ": ping\n\n"  # keeps proxies from closing an idle stream; the loop re-reads the database
    finally:  # also when the visitor leaves: the response task is cancelled
        sub.close()


# -- storage reads (threadpool) -------------------------------------------------------------------
def _history(sessions: sessionmaker[Session], workspace_id: str, channel: str, session_id: str) -> list[dict[str, Any]]:
    with sessions() as s:
        conv_id = widget_queries.conversation_id_for_thread(s, workspace_id, channel, session_id)
        return [message_json(m) for m in widget_queries.recent_messages(s, conv_id, HISTORY_LIMIT)] if conv_id else []


def _turn(sessions: sessionmaker[Session], workspace_id: str, channel: str,
          provider_message_id: str) -> tuple[Message, Message | None] | None:
    with sessions() as s:
        return widget_queries.turn_for_provider_message(s, workspace_id, channel, provider_message_id)


def _new_messages(sessions: sessionmaker[Session], workspace_id: str, claims: tokens.SessionClaims,
                  conv_id: str | None, after: int) -> tuple[str | None, list[dict[str, Any]]]:
    with sessions() as s:
        conv_id = conv_id or widget_queries.conversation_id_for_thread(s, workspace_id, claims.channel,
                                                                      claims.session_id)
        if conv_id is None:
            return None, []
        return conv_id, [message_json(m) for m in widget_queries.messages_after(s, conv_id, after, HISTORY_LIMIT)]


# -- replies a person sends later -----------------------------------------------------------------
def post_human_reply(sessions: sessionmaker[Session], hub: EventHub, conversation_id: str, text: str, *,
                     at: datetime | None = None) -> dict[str, Any]:
    """Store a reply written by a person (dashboard, Slack) in a widget or hosted-page conversation
    and push it to the visitor's open page; `hub` is `widget_state(app).hub`. Raises LookupError for
    an unknown or non-web conversation and ValueError for empty or oversized text."""
    if not text.strip() or len(text) > MAX_MESSAGE_CHARS or "\x00" in text:
        raise ValueError(f"a reply needs 1 to {MAX_MESSAGE_CHARS} characters of text")
    with unit_of_work(sessions) as s:
        conv = widget_queries.conversation(s, conversation_id)
        if conv is None or conv.channel not in WIDGET_CHANNELS:
            raise LookupError(f"no widget or hosted-page conversation {conversation_id!r}")
        msg = add_message(s, conv, "human", text, at=at or datetime.now(UTC))
        s.flush()
        out, session_id = message_json(msg), conv.thread_ref
    hub.publish(session_id)  # after the commit, so the woken streams can read it
    return out


router = APIRouter()
router.include_router(api)
router.include_router(pages_router)
