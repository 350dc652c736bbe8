"""Slack Events API webhook (issue 4; wire format in INTEGRATIONS.md "Slack"): conversations with
prospects in Slack Connect shared channels and direct messages.

The adapter only verifies, dedupes, normalises and acknowledges (DESIGN): a person's message is
queued as one `inbound.message` outbox row and answered 200 at once, well within Slack's 3 seconds;
the outbox worker runs the agent turn later and posts the reply in the thread through
`channels.slack_send`.

  POST /webhooks/slack/events   url_verification and event_callback, signed with the app's signing secret

Why these answers:
- The v0 signature (and its 5-minute window) is checked over the raw body before anything in it is
  read, `url_verification` included: 401 and nothing stored when it is missing, old or wrong
  (DESIGN rule 3). No signing secret configured: 503, so Slack's retries (and the Request URL check
  in the app settings) fail loudly until the deployment is configured, instead of 401s that look
  like forged traffic.
- Over 1 MB: 413 before more than the limit is read. Not JSON: 400; JSON of the wrong shape: 422.
  Both carry `X-Slack-No-Retry: 1`: the same bytes would fail again.
- A team with no active Slack configuration: 200 and nothing stored. Slack retries any other answer
  and disables an app's event subscriptions when most deliveries fail, which would cut off the teams
  we do serve; a team that is not (or no longer) connected is not a fault of the delivery.
- Only prospects' messages reach the agent: bot messages (ours included), edits, deletions, joins and
  other subtypes are acknowledged and ignored, and so are the installing team's own members in a
  Slack Connect channel (a colleague in the thread is not the prospect; direct messages still count).
- Each Slack thread is its own conversation (`channel:thread root ts`); the main line of a direct
  message with the bot is one conversation, answered inline rather than in a thread.
- Redeliveries (`X-Slack-Retry-Num`) and the same message arriving as `message` and `app_mention`
  carry the same `channel:ts`, the outbox row's deterministic key: acknowledged, not queued twice.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_sdk.signature import Clock, SignatureVerifier
from starlette.concurrency import run_in_threadpool

from agent.types import Channel, InboundMessage
from channels import webhook_http
from channels.slack_text import to_plain_text
from channels.webhook_http import payload_problem
from storage import channel_configs, outbox
from storage.db import unit_of_work

log = logging.getLogger(__name__)
router = APIRouter(tags=["slack"])

PATH = "/webhooks/slack/events"
MAX_BODY_BYTES = 1024 * 1024
WINDOW_SECONDS = 5 * 60
CHANNEL = Channel.slack.value
MESSAGE_EVENTS = {"message", "app_mention"}  # one message can come as both; its channel:ts dedupes them
HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share"}  # a person wrote these; edits, joins… are not
TS = r"^\d{1,12}\.\d{1,9}$"
ID = r"^[A-Z0-9]{1,64}$"


NO_RETRY = {"X-Slack-No-Retry": "1"}


def problem(status: int, title: str, detail: str, *, no_retry: bool = False) -> JSONResponse:
    """RFC 9457 problem details; `no_retry` tells Slack that resending the same request cannot help."""
    return webhook_http.problem(status, title, detail, source="slack", headers=NO_RETRY if no_retry else None)


def signature_problem(secret: str, body: bytes, timestamp: str | None, signature: str | None,
                      clock: Clock | None = None) -> str | None:
    """None when Slack signed `body` at `timestamp` and that is within 5 minutes of the clock's now;
    otherwise why not. Constant-time comparison (slack-sdk's `SignatureVerifier`)."""
    clock = clock or Clock()
    if not timestamp or not signature:
        return "missing X-Slack-Request-Timestamp or X-Slack-Signature"
    if not re.fullmatch(r"\d{1,12}", timestamp.strip()):
        return "X-Slack-Request-Timestamp is not unix seconds"
    if abs(clock.now() - int(timestamp)) > WINDOW_SECONDS:
        return "X-Slack-Request-Timestamp is more than 5 minutes from now (a replayed or delayed request)"
    timestamp, signature = timestamp.strip(), signature.strip()
    try:
        valid = SignatureVerifier(secret, clock=clock).is_valid(body, timestamp, signature)
    except UnicodeDecodeError:  # slack-sdk signs text, Slack signs bytes: the JSON check refuses this body later
        expected = hmac.new(secret.encode(), b"v0:%s:%s" % (timestamp.encode(), body), hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(f"v0={expected}", signature)
    return None if valid else "X-Slack-Signature does not match this body"


async def read_signed_slack(request: Request, limit: int, what: str, *,
                            too_large_headers: dict[str, str] | None = None) -> bytes | JSONResponse:
    """The raw body of a request Slack signed (events and interactivity share the app's signing
    secret), or the problem to answer. Tests inject a clock as `app.state.slack_clock`."""
    timestamp, signature = request.headers.get("x-slack-request-timestamp"), request.headers.get("x-slack-signature")
    clock = getattr(request.app.state, "slack_clock", None)
    return await webhook_http.read_signed(
        request, secret=request.app.state.runtime.settings.slack_signing_secret,
        secret_setting="LEADLINE_SLACK_SIGNING_SECRET", what=what, limit=limit, source="slack",
        why_unsigned=lambda secret, body: signature_problem(secret, body, timestamp, signature, clock),
        too_large_headers=too_large_headers)


# -- the payload ------------------------------------------------------------------------------------
class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Authorization(_Wire):
    team_id: str | None = Field(None, max_length=64)


class Envelope(_Wire):
    type: str = Field(max_length=100)
    challenge: str | None = Field(None, max_length=1000)
    team_id: str | None = Field(None, max_length=64)
    context_team_id: str | None = Field(None, max_length=64)
    authorizations: list[Authorization] = Field(default_factory=list)
    is_ext_shared_channel: bool = False
    event_id: str | None = Field(None, max_length=100)
    event: dict[str, Any] | None = None  # any event type; a message is validated as `MessageEvent`

    def team_ids(self) -> list[str]:
        """The installation(s) the event was delivered for first: in a Slack Connect channel the
        envelope's `team_id` can be the other organisation's."""
        found = [a.team_id for a in self.authorizations] + [self.context_team_id, self.team_id]
        return list(dict.fromkeys(t for t in found if t))


class UserProfile(_Wire):
    real_name: str | None = Field(None, max_length=200)
    display_name: str | None = Field(None, max_length=200)


class MessageEvent(_Wire):
    type: str
    subtype: str | None = None
    channel: str = Field(pattern=ID)
    channel_type: str | None = None
    user: str = Field(pattern=ID)
    user_team: str | None = Field(None, max_length=64)  # the author's organisation, in shared channels
    text: str = ""
    ts: str = Field(pattern=TS)
    thread_ts: str | None = Field(None, pattern=TS)
    user_profile: UserProfile | None = None

    @property
    def received_at(self) -> datetime:
        return datetime.fromtimestamp(float(self.ts), UTC)

    def conversation(self) -> tuple[str, str | None]:
        """(thread id, ts of the thread to answer in)."""
        if self.channel_type == "im" and not self.thread_ts:
            return self.channel, None
        root = self.thread_ts or self.ts
        return f"{self.channel}:{root}", root


def not_a_person(event: dict[str, Any]) -> str | None:
    """Why a raw event is not a person's new message (None when it is)."""
    kind, subtype = event.get("type"), event.get("subtype")
    if kind not in MESSAGE_EVENTS:
        return f"{kind!s} events are not messages"
    if subtype not in HUMAN_SUBTYPES:
        return f"messages of subtype {subtype!s} are not a person's new message"
    if event.get("bot_id") or event.get("bot_profile") or event.get("hidden"):
        return "messages from bots are not answered"
    return None


# -- the endpoint -----------------------------------------------------------------------------------
@router.post(PATH, include_in_schema=False)
async def receive(request: Request) -> Response:
    runtime = request.app.state.runtime
    raw = await read_signed_slack(request, MAX_BODY_BYTES, "Slack events", too_large_headers=NO_RETRY)
    if not isinstance(raw, bytes):
        return raw
    try:
        envelope = Envelope.model_validate_json(raw)
    except ValidationError as e:
        return _invalid(e)
    if envelope.type == "url_verification":
        if not envelope.challenge:
            return problem(422, "Unexpected payload", "url_verification without a challenge", no_retry=True)
        return JSONResponse({"challenge": envelope.challenge})
    if envelope.type != "event_callback" or envelope.event is None:
        log.info("slack %s delivery acknowledged and ignored", envelope.type)
        return JSONResponse({"ok": True, "ignored": f"{envelope.type} deliveries carry no message"})
    retry = request.headers.get("x-slack-retry-num")
    if retry:
        log.info("slack event %s redelivered (retry %s, %s)", envelope.event_id, retry,
                 request.headers.get("x-slack-retry-reason"))
    why = not_a_person(envelope.event)
    if why:
        return JSONResponse({"ok": True, "ignored": why})
    try:
        event = MessageEvent.model_validate(envelope.event)
    except ValidationError as e:
        return _invalid(e, prefix="event")
    return JSONResponse(await run_in_threadpool(store_message, runtime.sessions, envelope, event))


def _invalid(e: ValidationError, prefix: str = "") -> JSONResponse:
    return payload_problem(e, source="slack", prefix=prefix, headers=NO_RETRY)


def store_message(sessions: Any, envelope: Envelope, event: MessageEvent) -> dict[str, Any]:
    """Queue a verified person's message for its agent turn (one transaction), unless it is ours,
    outside the team's allowed channels, empty, or queued before."""
    with unit_of_work(sessions) as s:
        config = next((c for t in envelope.team_ids() if (c := channel_configs.find_active(s, CHANNEL, t))), None)
        if config is None:
            log.warning("slack event %s for unconfigured team(s) %s ignored", envelope.event_id, envelope.team_ids())
            return {"ok": True, "ignored": "no active Slack configuration for this team"}
        settings = config.settings or {}
        bot_user_id = settings.get("bot_user_id")
        if bot_user_id and event.user == bot_user_id:
            return {"ok": True, "ignored": "messages from bots are not answered"}
        if envelope.is_ext_shared_channel and event.user_team == config.address:
            # A colleague (say, the account executive) joining a prospect's Slack Connect thread is not
            # the prospect: answering them would also give the prospect's lead their details.
            return {"ok": True, "ignored": "messages from the team's own members in shared channels are not answered"}
        allowed = settings.get("channels")
        if allowed and event.channel not in allowed and event.channel_type != "im":
            return {"ok": True, "ignored": f"channel {event.channel} is not in this team's channels"}
        text = to_plain_text(event.text, bot_user_id=bot_user_id)
        if not text:
            return {"ok": True, "ignored": "the message has no text"}
        thread_id, thread_ts = event.conversation()
        provider_id = f"{event.channel}:{event.ts}"
        profile = event.user_profile
        inbound = InboundMessage(
            workspace_id=config.workspace_id, channel=Channel.slack, sender_id=event.user, thread_id=thread_id,
            text=text, provider_message_id=provider_id, received_at=event.received_at,
            sender_name=(profile.real_name or profile.display_name or None) if profile else None,
            reply_route={"config_id": config.id, "channel": event.channel, "thread_ts": thread_ts},
        )
        queued = outbox.enqueue_inbound(s, config.workspace_id, CHANNEL, provider_id, inbound.model_dump(mode="json"))
    return {"ok": True, "queued": int(queued), "duplicate": not queued}
