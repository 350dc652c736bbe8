"""WhatsApp Cloud API webhook (issue 4; wire format in INTEGRATIONS.md "WhatsApp Cloud API").

The adapter only verifies, dedupes, normalises and acknowledges (DESIGN): every message of a signed
delivery is queued as an `inbound.message` outbox row (deduplicated by its wamid), and the delivery
is answered 200 as soon as that is committed (group commit with concurrent deliveries); the outbox
worker runs the agent turn later and sends the reply through `channels.whatsapp_send`. Status
callbacks are recorded on the outbound message they are about.

  GET  /webhooks/whatsapp   subscription handshake: hub.mode, hub.verify_token, hub.challenge
  POST /webhooks/whatsapp   deliveries signed with X-Hub-Signature-256 (the Meta app secret)

Why these answers:
- Bad or missing signature: 401 and nothing stored (DESIGN rule 3). No app secret configured: 503,
  so Meta keeps retrying until the deployment is configured instead of losing the messages.
- A phone number id with no active configuration: 200 and nothing stored for it. Meta retries any
  non-200 for days and would re-send the whole batch (also the numbers we do serve); a number that
  is not (or no longer) connected to a workspace is not a fault of the delivery.
- Over 1 MB: 413 before more than the limit is read. Not JSON: 400. JSON of the wrong shape: 422.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from agent.types import MAX_MESSAGE_CHARS, Channel, InboundMessage
from channels import webhook_http
from channels.webhook_http import read_signed
from channels.whatsapp_payloads import Delivery, Value, WaMessage
from storage import channel_configs, conversations, outbox
from storage.db import unit_of_work
from storage.models import ChannelConfig

if TYPE_CHECKING:  # only storage imports SQLAlchemy at run time (DESIGN)
    from storage.db import Session

log = logging.getLogger(__name__)
router = APIRouter(tags=["whatsapp"])

PATH = "/webhooks/whatsapp"
MAX_BODY_BYTES = 1024 * 1024
SIGNATURE_HEADER = "x-hub-signature-256"
CHANNEL = Channel.whatsapp.value
DEFAULT_MEDIA_REPLY = ("Thanks! I can only read text messages here, not images, voice notes or stickers. "
                       "Could you type your question?")


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return webhook_http.problem(status, title, detail, source="whatsapp")


def sign(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends for `body` (also used by tests and the benchmark)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of X-Hub-Signature-256 over the raw body. Meta signs no timestamp, so
    there is no replay window to check: deduplication by message id is the defence."""
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(app_secret, body), header.strip())


def thread_id(phone_number_id: str, wa_id: str) -> str:
    """One conversation per (business number, person): two numbers are two threads."""
    return f"{phone_number_id}:{wa_id}"


# -- handshake --------------------------------------------------------------------------------------
@router.get(PATH, include_in_schema=False)
def handshake(request: Request) -> Response:
    expected = request.app.state.runtime.settings.whatsapp_verify_token
    q = request.query_params
    if not expected:
        return problem(403, "Not configured", "set LEADLINE_WHATSAPP_VERIFY_TOKEN to subscribe this webhook")
    token, challenge = q.get("hub.verify_token") or "", q.get("hub.challenge")
    if q.get("hub.mode") != "subscribe" or not challenge:
        return problem(403, "Bad handshake", "expected hub.mode=subscribe with hub.verify_token and hub.challenge")
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return problem(403, "Bad verify token", "hub.verify_token does not match the configured token")
    return PlainTextResponse(challenge)


# -- deliveries -------------------------------------------------------------------------------------
@router.post(PATH, include_in_schema=False)
async def receive(request: Request) -> Response:
    header = request.headers.get(SIGNATURE_HEADER)
    raw = await read_signed(
        request, secret=request.app.state.runtime.settings.whatsapp_app_secret,
        secret_setting="LEADLINE_WHATSAPP_APP_SECRET", what="WhatsApp deliveries", limit=MAX_BODY_BYTES,
        why_unsigned=lambda secret, body: None if signature_valid(secret, body, header)
        else f"missing or invalid {SIGNATURE_HEADER} for this body", source="whatsapp")
    if not isinstance(raw, bytes):
        return raw
    try:
        delivery = Delivery.model_validate_json(raw)
        values = delivery.values() if delivery.object == "whatsapp_business_account" else []
    except ValidationError as e:
        return webhook_http.payload_problem(e, source="whatsapp")
    return JSONResponse(await writer(request.app).store(values))


# -- storing: group commit ---------------------------------------------------------------------------
class GroupWriter:
    """Stores verified deliveries with group commit: those that arrive while a transaction is being
    written go together into the next one, and each is acknowledged once the transaction holding
    it has committed. One commit (and one thread hop) for many acknowledgements keeps them fast
    under load, and SQLite's single writer is never contended by the webhook's own requests."""

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions
        self._waiting: list[tuple[list[Value], asyncio.Future[dict[str, Any]]]] = []
        self._task: asyncio.Task[None] | None = None  # referenced, so it is not garbage-collected

    async def store(self, values: list[Value]) -> dict[str, Any]:
        done: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting.append((values, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write_all())  # it ends when nothing waits
        return await done

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await run_in_threadpool(store_batch, self.sessions, [values for values, _ in batch])
            except BaseException:  # cancelled at shutdown: no request may wait for ever
                for _, done in batch:
                    if not done.done():
                        done.set_exception(_error())
                raise
            for (_, done), result in zip(batch, results, strict=True):
                if done.done():  # the client went away meanwhile
                    continue
                if isinstance(result, BaseException):
                    done.set_exception(result)
                else:
                    done.set_result(result)


def writer(app: FastAPI) -> GroupWriter:
    w = getattr(app.state, "whatsapp_writer", None)
    if w is None:
        w = app.state.whatsapp_writer = GroupWriter(app.state.runtime.sessions)
    return w


def store_batch(sessions: Any, deliveries: list[list[Value]]) -> list[dict[str, Any] | Exception]:
    """All deliveries in one transaction; if that fails, each in its own, so one bad delivery
    (answered 500, and retried by Meta) never fails the others."""
    try:
        with unit_of_work(sessions) as s:
            return list(_store(s, deliveries))
    except Exception:
        if len(deliveries) == 1:
            log.exception("storing a whatsapp delivery failed")
            return [_error()]
    results: list[dict[str, Any] | Exception] = []
    for values in deliveries:
        try:
            with unit_of_work(sessions) as s:
                results.extend(_store(s, [values]))
        except Exception:
            log.exception("storing a whatsapp delivery failed")
            results.append(_error())
    return results


def _error() -> Exception:
    return RuntimeError("the delivery could not be stored; nothing of it was kept")


def _store(s: Session, deliveries: list[list[Value]]) -> list[dict[str, Any]]:
    """Queue every message and record every status of verified deliveries; the counts of each. The
    messages of all of them are queued with one statement (deduplicated by their wamids)."""
    configs: dict[str, ChannelConfig | None] = {}  # a batch mostly addresses the same few numbers
    counts: list[dict[str, Any]] = []
    queued: list[tuple[dict[str, Any], outbox.NewEvent]] = []
    for values in deliveries:
        count: dict[str, Any] = {"queued": 0, "duplicates": 0, "statuses": 0, "ignored_phone_numbers": []}
        counts.append(count)
        for value in values:
            pnid = value.metadata.phone_number_id
            if pnid not in configs:
                configs[pnid] = channel_configs.find_active(s, CHANNEL, pnid)
            config = configs[pnid]
            if config is None:
                log.warning("whatsapp delivery for unconfigured phone number id %s ignored", pnid)
                count["ignored_phone_numbers"].append(pnid)
                continue
            queued.extend((count, _event(config, value, message)) for message in value.messages)
            for status in value.statuses:
                error = "; ".join(e.describe() for e in status.errors) or None
                if conversations.record_delivery_status(s, config.workspace_id, CHANNEL, status.id,
                                                          status.status, status.at, error):
                    count["statuses"] += 1
    inserted = outbox.enqueue_many(s, [event for _, event in queued])
    for count, event in queued:  # a message delivered twice in the batch counts as new once, the first time
        new = event.event_id in inserted
        inserted.discard(event.event_id)
        count["queued" if new else "duplicates"] += 1
    return counts


def _event(config: ChannelConfig, value: Value, message: WaMessage) -> outbox.NewEvent:
    wa_id = message.from_
    route: dict[str, Any] = {"config_id": config.id, "to": wa_id, "phone_number_id": config.address,
                             "context_message_id": message.id}
    text = _clean(message.visitor_text())
    if text is None:  # media, location, reaction…: answered politely without an agent turn
        route["received_at"] = message.received_at.isoformat()  # opens the 24-hour window
        return outbox.NewEvent(
            config.workspace_id, outbox.CHANNEL_REPLY,
            outbox.inbound_event_id(config.workspace_id, "whatsapp-media", message.id), {
                "type": outbox.CHANNEL_REPLY, "workspace_id": config.workspace_id, "conversation_id": None,
                "channel": CHANNEL, "route": route,
                "text": (config.settings or {}).get("media_reply") or DEFAULT_MEDIA_REPLY,
                "in_reply_to": message.id, "occurred_at": message.received_at.isoformat(),
            })
    inbound = InboundMessage(
        workspace_id=config.workspace_id, channel=Channel.whatsapp, sender_id=wa_id,
        thread_id=thread_id(config.address, wa_id), text=text, provider_message_id=message.id,
        sender_name=value.sender_name(wa_id), received_at=message.received_at, reply_route=route,
    )
    return outbox.inbound_event(config.workspace_id, CHANNEL, message.id, inbound.model_dump(mode="json"))


def _clean(text: str | None) -> str | None:
    """WhatsApp allows 4,096 characters, the agent reads 4,000: the rest is cut, never refused (a
    refused delivery would be retried for days)."""
    if text is None:
        return None
    text = text.replace("\x00", "")[:MAX_MESSAGE_CHARS]
    return text if text.strip() else None
