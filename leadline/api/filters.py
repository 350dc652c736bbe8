"""The lead filters shared by the list and the CSV export, and the opaque pagination cursor."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query

from leadline.api.auth import Reader
from leadline.api.deps import DB
from leadline.api.problems import invalid
from leadline.api.schemas import Channel, Source, SyncStatus
from storage.lead_queries import LeadFilter, stages

_CURSOR_PREFIX = "v1:"


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith(_CURSOR_PREFIX) or not raw.removeprefix(_CURSOR_PREFIX).startswith("lead_"):
        raise invalid("cursor", "not a cursor returned by this API; use `next_cursor` of the previous page",
                      where="query")
    return raw.removeprefix(_CURSOR_PREFIX)


def _utc(value: datetime | None) -> datetime | None:
    # A time without an offset is taken as UTC; a bare date means its midnight UTC.
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def lead_filter(
    session: DB,
    caller: Reader,
    score_min: Annotated[int | None, Query(ge=0, le=100, description="lowest score, inclusive")] = None,
    score_max: Annotated[int | None, Query(ge=0, le=100, description="highest score, inclusive")] = None,
    stage: Annotated[list[str] | None, Query(description="stage key; repeat for several")] = None,
    band: Annotated[list[str] | None, Query(description="hot, warm, lukewarm, cold; repeat for several")] = None,
    channel: Annotated[list[Channel] | None, Query(description="source channel; repeat for several")] = None,
    source: Annotated[list[Source] | None, Query(description="lead source; repeat for several")] = None,
    tag: Annotated[str | None, Query(max_length=50, description="leads carrying this tag")] = None,
    sync_status: Annotated[list[SyncStatus] | None, Query(description="CRM sync state")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=320, description=(
        "search: an exact e-mail address, or part of the company name (case-insensitive). Names and "
        "e-mails are encrypted at rest, so they cannot be searched by fragment."))] = None,
    captured_from: Annotated[datetime | None, Query(description="captured at or after (ISO 8601; UTC if no offset)")]
    = None,
    captured_to: Annotated[datetime | None, Query(description="captured before (ISO 8601; UTC if no offset)")]
    = None,
) -> LeadFilter:
    if score_min is not None and score_max is not None and score_min > score_max:
        raise invalid("score_min", f"is {score_min}, above score_max {score_max}", where="query")
    start, end = _utc(captured_from), _utc(captured_to)
    if start is not None and end is not None and start >= end:
        raise invalid("captured_from", "must be before captured_to", where="query")
    stage_ids: list[str] = []
    if stage:
        by_key = {s.key: s.id for s in stages(session, caller.workspace_id)}
        for key in stage:
            if key not in by_key:
                raise invalid("stage", f"unknown stage {key!r}; this workspace's stages are "
                                       f"{', '.join(by_key)}", where="query")
            stage_ids.append(by_key[key])
    return LeadFilter(
        score_min=score_min, score_max=score_max, stage_ids=tuple(stage_ids), bands=tuple(band or ()),
        channels=tuple(channel or ()), sources=tuple(source or ()), sync_statuses=tuple(sync_status or ()),
        tag=tag.strip().lower() if tag else None, q=q, captured_from=start, captured_to=end,
    )
