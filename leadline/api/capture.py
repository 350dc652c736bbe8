"""Public lead capture for website forms (SPEC L2): no auth, the workspace named by its public key
must exist and be active. A per-IP rate limit, a honeypot field and Idempotency-Key keep it sane."""

from __future__ import annotations

import json
import logging
import threading
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from leadline.api.deps import DB, get_runtime, utcnow
from leadline.api.events import lead_event
from leadline.api.problems import Problem, invalid
from leadline.api.ratelimit import SlidingWindowLimiter
from leadline.api.schemas import CaptureIn, CaptureOut
from leadline.api.views import snapshot, stage_keys
from storage import idempotency
from storage.audit import audit
from storage.contacts import record_consent
from storage.ids import new_id
from storage.intake import lead_for_person
from storage.leads import add_activity
from storage.workspaces import active_workspace_by_public_key

log = logging.getLogger(__name__)
router = APIRouter(tags=["capture"])
ACTOR = "capture"  # the public form: there is no key to name
_limiter_lock = threading.Lock()


def _limiter(request: Request) -> SlidingWindowLimiter:
    state = request.app.state
    with _limiter_lock:
        limiter = getattr(state, "capture_limiter", None)
        if limiter is None:
            per_minute = get_runtime(request).settings.capture_rate_per_minute
            limiter = state.capture_limiter = SlidingWindowLimiter(per_minute)
    return limiter


def rate_limit(request: Request) -> None:
    limiter = _limiter(request)
    wait = limiter.hit(request.client.host if request.client else "unknown")
    if wait is not None:
        raise Problem(429, f"too many capture requests from this address (at most {limiter.limit} a minute); "
                           f"retry in {wait} s", kind="rate-limited", headers={"Retry-After": str(wait)})


async def raw_body(request: Request) -> bytes:
    return await request.body()


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("application/x-www-form-urlencoded"):  # a plain HTML form posting directly
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise invalid("body", f"not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise invalid("body", "must be a JSON object")
    return data


_BODY_SCHEMA = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": CaptureIn.model_json_schema()},
    "application/x-www-form-urlencoded": {"schema": CaptureIn.model_json_schema()},
}}}


@router.post("/v1/capture", status_code=202, response_model=CaptureOut, summary="Capture a lead from a web form",
             openapi_extra=_BODY_SCHEMA, responses={404: {"description": "unknown or inactive workspace"},
                                                    429: {"description": "rate limited; see Retry-After"}})
def capture(
    request: Request,
    _: Annotated[None, Depends(rate_limit)],
    raw: Annotated[bytes, Depends(raw_body)],
    session: DB,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=255)] = None,
) -> JSONResponse:
    """No authentication. `workspace` is the workspace's public key; first name, last name and
    e-mail are required. The `website` field is a honeypot: leave it empty (hide it with CSS); a
    submission that fills it is answered like a success and nothing is stored. With an
    `Idempotency-Key` header, a retry within 24 hours gets the first response back and is stored once."""
    data = _parse(raw, request.headers.get("content-type", ""))
    if str(data.get("website") or "").strip():
        log.info("capture honeypot filled; dropped")
        return JSONResponse(CaptureOut(capture_id=new_id("cap")).model_dump(), status_code=202)
    try:
        body = CaptureIn.model_validate(data)
    except ValidationError as e:
        raise RequestValidationError([{**err, "loc": ("body", *err["loc"])} for err in e.errors()]) from None
    ws = active_workspace_by_public_key(session, body.workspace)
    if ws is None:
        raise Problem(404, f"unknown or inactive workspace {body.workspace!r}: use the workspace's public key "
                           "(pk_…)", kind="unknown-workspace")
    now = utcnow()
    record = None
    if idempotency_key is not None:
        fingerprint = idempotency.fingerprint(raw)
        seen = idempotency.find(session, ws.id, "capture", idempotency_key, now=now)
        if seen is not None:
            if seen.fingerprint != fingerprint:
                raise Problem(422, "this Idempotency-Key was already used with a different request body; "
                                   "use a new key for a new submission", kind="idempotency-key-reused")
            if seen.status_code is None or seen.response is None:
                raise Problem(409, "a request with this Idempotency-Key is still in progress; retry shortly",
                              kind="conflict")
            return JSONResponse(seen.response, status_code=seen.status_code, headers={"Idempotent-Replayed": "true"})
        record = idempotency.begin(session, ws.id, "capture", idempotency_key, fingerprint=fingerprint, now=now)

    lead, contact, created, filled = lead_for_person(
        session, ws.id, email=body.email, name=f"{body.first_name} {body.last_name}", phone=body.phone,
        company=body.company, title=body.title, source=body.source, channel=None, at=now, actor=ACTOR,
    )
    if body.consent is not None:
        record_consent(session, contact, granted=body.consent, channel="web_form", conversation_id=None,
                       text=body.consent_text or "consent checkbox on the capture form")
    if not created:
        add_activity(session, lead, "system", "Submitted the capture form again", actor=ACTOR, at=now,
                     data={"source": body.source})
    if body.message:
        add_activity(session, lead, "note", f"Form message: {body.message}", actor=ACTOR, at=now)
    out = CaptureOut(capture_id=new_id("cap"))
    if created:
        lead_event(session, lead, "lead.captured", at=now, actor=ACTOR,
                   data={"source": body.source, "capture_id": out.capture_id})
        audit(session, ws.id, ACTOR, "lead.capture", "lead", lead.id, before=None,
              after=snapshot(lead, contact, stage_keys(session, ws.id)))
    else:
        audit(session, ws.id, ACTOR, "lead.capture", "lead", lead.id, before={k: None for k in filled},
              after={**filled, "resubmitted": True})
    body_out = out.model_dump()
    if record is not None:
        idempotency.complete(record, status_code=202, response=body_out, resource_id=lead.id)
    return JSONResponse(body_out, status_code=202)
