"""Inbound e-mail from providers (wire formats in INTEGRATIONS.md "Inbound email").

  POST /webhooks/email/sendgrid   SendGrid Inbound Parse (parsed or raw mode), multipart form.
                                  SendGrid does not sign it: the URL carries the channel's secret
                                  (`?token=…`, or the password of HTTP basic auth).
  POST /webhooks/email/mailgun    Mailgun route "forward to URL", form fields; signature =
                                  hex HMAC-SHA256(signing key, timestamp + token), stale timestamps
                                  (over 5 minutes) and reused tokens refused.

Answers: bad or missing credentials 401 and nothing stored (DESIGN rule 3); a body over
LEADLINE_EMAIL_MAX_BYTES 413 before more than the limit is read; not a form / not the provider's
fields 400; a recipient no workspace serves 404 (SendGrid) or 406 (Mailgun's "reject, do not
retry"); no text at all 422. An accepted e-mail (or a redelivery of one) is 200 with what was done.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from channels import email_inbound, webhook_http
from channels.email_parse import ParsedEmail, header_block, parse_bytes, parse_fields
from channels.webhook_http import BodyTooLarge, check_declared_length, limited_stream
from storage import email_threads, idempotency

router = APIRouter(tags=["email"])
MAILGUN_TOLERANCE_SECONDS = 300
MAX_FIELDS = 200
MAX_FILES = 100


class BadForm(Exception):
    pass


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return webhook_http.problem(status, title, detail, source="email")


def _clock(request: Request) -> Callable[[], float]:
    """Unix seconds; tests set `app.state.email_clock` to check the timestamp window."""
    return getattr(request.app.state, "email_clock", None) or time.time


# -- reading the form -------------------------------------------------------------------------------
async def read_form(request: Request, limit: int) -> dict[str, bytes]:
    """The form's text fields as bytes (first value of each), refusing to read more than `limit`
    bytes. Multipart fields are read as latin-1 (one char per byte), so each keeps its exact bytes
    for the charset the provider declares; attachments are skipped."""
    check_declared_length(request, limit)
    stream = partial(limited_stream, request, limit)
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    try:
        if kind == "multipart/form-data":
            latin1 = re.sub(r";\s*charset=[^;]*", "", content_type, flags=re.IGNORECASE) + "; charset=latin-1"
            form = await MultiPartParser(Headers({"content-type": latin1}), stream(), max_files=MAX_FILES,
                                         max_fields=MAX_FIELDS, max_part_size=limit).parse()
            encoding = "latin-1"
        elif kind == "application/x-www-form-urlencoded":
            form = await FormParser(request.headers, stream(), max_fields=MAX_FIELDS, max_part_size=limit).parse()
            encoding = "utf-8"
        else:
            raise BadForm(f"expected a multipart/form-data or urlencoded form, got {kind or 'no content type'}")
    except MultiPartException as e:
        raise BadForm(f"malformed form: {e.message}") from None
    fields: dict[str, bytes] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            await value.close()
        elif name not in fields:
            fields[name] = value.encode(encoding, "replace")
    return fields


def _text(fields: dict[str, bytes], name: str, charsets: dict[str, Any] | None = None) -> str:
    raw = fields.get(name, b"")
    charset = str((charsets or {}).get(name) or "utf-8")
    try:
        return raw.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", "replace")


async def _accept(request: Request, parsed: ParsedEmail, allow: Callable[[Any, Any], bool], refused: list[str],
                  unknown_status: int) -> JSONResponse:
    sessions = request.app.state.runtime.sessions
    try:
        result = await run_in_threadpool(email_inbound.accept, sessions, parsed, allow)
    except email_inbound.UnknownRecipient as e:
        return problem(unknown_status, "Unknown recipient", f"no workspace receives e-mail for {e}; nothing stored")
    except PermissionError:
        return problem(401, "Bad credentials", f"{'; '.join(dict.fromkeys(refused))}; nothing was stored")
    except email_inbound.NoText as e:
        return problem(422, "No text", f"{e}; nothing was stored")
    return JSONResponse(result.as_dict())


async def _form_or_problem(request: Request) -> dict[str, bytes] | JSONResponse:
    try:
        return await read_form(request, request.app.state.runtime.settings.email_max_bytes)
    except BodyTooLarge as e:
        return problem(413, "Payload too large", f"{e}; nothing was stored")
    except BadForm as e:
        return problem(400, "Malformed form", f"{e}; nothing was stored")


# -- SendGrid Inbound Parse -------------------------------------------------------------------------
def _url_token(request: Request) -> str | None:
    token = request.query_params.get("token")
    auth = request.headers.get("authorization", "")
    if not token and auth.lower().startswith("basic "):
        try:
            token = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return None
    return token or None


@router.post("/webhooks/email/sendgrid", include_in_schema=False)
async def sendgrid(request: Request) -> JSONResponse:
    token = _url_token(request)
    if token is None:
        return problem(401, "Missing credentials", "add the channel's token as ?token=… or basic-auth password; "
                                                   "nothing was stored")
    fields = await _form_or_problem(request)
    if isinstance(fields, JSONResponse):
        return fields
    try:
        charsets = json.loads(fields.get("charsets") or b"{}")
        envelope = json.loads(fields.get("envelope") or b"{}")
        if not isinstance(charsets, dict) or not isinstance(envelope, dict):
            raise ValueError("not an object")
    except ValueError:
        return problem(400, "Malformed form", "`charsets` and `envelope` must be JSON objects; nothing was stored")
    env_to = [str(a) for a in envelope.get("to") or [] if a]
    env_from = envelope.get("from") if isinstance(envelope.get("from"), str) else None
    if "email" in fields:  # raw mode: the whole MIME message
        parsed = parse_bytes(fields["email"], envelope_to=env_to, envelope_from=env_from)
    elif "headers" in fields or "from" in fields:
        parsed = parse_fields(
            _text(fields, "headers", charsets), text=_text(fields, "text", charsets) or None,
            html=_text(fields, "html", charsets) or None, envelope_from=env_from, envelope_to=env_to,
            defaults={n.title(): _text(fields, n, charsets) for n in ("from", "to", "cc", "subject")})
    else:
        return problem(400, "Malformed form", "neither `email` (raw mode) nor `headers`/`from` (parsed mode) "
                                              "is present; nothing was stored")
    refused: list[str] = []

    def allow(_: Any, config: Any) -> bool:
        expected = str((config.secrets or {}).get("sendgrid_token") or "")
        if expected and hmac.compare_digest(expected.encode(), token.encode()):
            return True
        refused.append("the token does not match the channel's sendgrid_token")
        return False

    return await _accept(request, parsed, allow, refused, unknown_status=404)


# -- Mailgun routes ---------------------------------------------------------------------------------
def mailgun_signature(signing_key: str, timestamp: str, token: str) -> str:
    return hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def mailgun_fresh(timestamp: str, now: float, tolerance: int = MAILGUN_TOLERANCE_SECONDS) -> bool:
    """Whether the signed timestamp is within `tolerance` seconds of `now` (pure; injectable clock)."""
    return timestamp.isdigit() and abs(now - int(timestamp)) <= tolerance


def mailgun_signed(signing_key: str, timestamp: str, token: str, signature: str) -> bool:
    """Constant-time check of Mailgun's signature."""
    expected = mailgun_signature(signing_key, timestamp, token)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


@router.post("/webhooks/email/mailgun", include_in_schema=False)
async def mailgun(request: Request) -> JSONResponse:
    fields = await _form_or_problem(request)
    if isinstance(fields, JSONResponse):
        return fields
    f = {name: _text(fields, name) for name in fields}
    timestamp, token, signature = f.get("timestamp", ""), f.get("token", ""), f.get("signature", "")
    if not (timestamp and token and signature):
        return problem(401, "Missing signature", "timestamp, token and signature are required; nothing was stored")
    now = _clock(request)()
    if not mailgun_fresh(timestamp, now):
        return problem(401, "Stale signature", f"the timestamp is more than {MAILGUN_TOLERANCE_SECONDS} seconds "
                                               "from now (or not a number); nothing was stored")
    try:
        pairs = json.loads(f.get("message-headers") or "[]")
        headers = header_block([(str(p[0]), str(p[1])) for p in pairs])
    except (ValueError, TypeError, IndexError, KeyError):
        return problem(400, "Malformed form", "message-headers must be a JSON list of [name, value]; nothing stored")
    if not f.get("recipient") or not (headers or f.get("from")):
        return problem(400, "Malformed form", "recipient and message-headers (or from) are required; nothing stored")
    parsed = parse_fields(headers, text=f.get("body-plain") or None, html=f.get("body-html") or None,
                          envelope_from=f.get("sender"), envelope_to=[a.strip() for a in f["recipient"].split(",")],
                          defaults={"From": f.get("from", ""), "Subject": f.get("subject", ""),
                                    "Message-Id": f.get("Message-Id", "")})
    fingerprint = idempotency.fingerprint(json.dumps(sorted(f.items())).encode())
    refused: list[str] = []

    def allow(session: Any, config: Any) -> bool:
        key = str((config.secrets or {}).get("mailgun_signing_key") or "")
        if not key:
            refused.append("the channel has no mailgun_signing_key")
        elif not mailgun_signed(key, timestamp, token, signature):
            refused.append("the signature does not match (HMAC-SHA256 of timestamp + token with the signing key)")
        elif email_threads.claim_webhook_token(session, config.workspace_id, token, fingerprint,
                                               now=datetime.fromtimestamp(now, UTC)) is False:
            refused.append("the token was already used for another request (a replay)")
        else:  # first use, or the same delivery again (its Message-ID deduplicates it)
            return True
        return False

    return await _accept(request, parsed, allow, refused, unknown_status=406)

