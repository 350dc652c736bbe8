"""CSV export of filtered leads (SPEC A3): streamed in batches, at most 10,000 rows per request;
`X-Next-Cursor` continues a larger export through the same endpoint."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from leadline.api.auth import Reader
from leadline.api.deps import DB, get_runtime
from leadline.api.filters import decode_cursor, encode_cursor, lead_filter
from leadline.api.views import stage_keys
from skills.rubric import RubricError, load_rubric
from storage import lead_queries
from storage.lead_queries import ConversationDigest, ExportRow, LeadFilter
from storage.models import LeadScore
from storage.sessions import Session, sessionmaker
from storage.workspaces import get_active_workspace

router = APIRouter(prefix="/v1/leads", tags=["leads"])
EXPORT_LIMIT = 10_000
BATCH = 500
BASE_COLUMNS = ("id", "name", "email", "phone", "company", "title", "score", "band", "stage", "channel", "source",
                "tags", "owner", "deal_value_cents", "captured_at", "last_activity_at", "crm_sync_status")
_NUMBER_LIKE = re.compile(r"^[+-]?[\d\s().-]+$")


def _cell(value: Any) -> str:
    """Text for a CSV cell; a value a spreadsheet would run as a formula is prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, int):  # a number is never a formula (and most cells are numbers or empty)
        return str(value)
    text = str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in "+-" and text and not _NUMBER_LIKE.match(text)):
        return "'" + text
    return text


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def summary(d: ConversationDigest | None) -> str:
    if d is None:
        return ""
    first, last = d.first_at.date().isoformat(), d.last_at.date().isoformat()
    span = first if first == last else f"{first} to {last}"
    out = f"{d.messages} message{'s' if d.messages != 1 else ''} on {', '.join(d.channels)}, {span}"
    if d.first_visitor_text:
        out += f'; opened with: "{_clip(d.first_visitor_text, 160)}"'
    return out


def dimension_keys(rubric_name: str | None) -> list[str]:
    try:
        return [d.key for d in load_rubric(rubric_name or "bant").dimensions]
    except RubricError:
        return ["budget", "authority", "need", "timing"]


def columns(dims: Sequence[str]) -> list[str]:
    return [*BASE_COLUMNS, *(f"{d}_{part}" for d in dims for part in ("level", "points", "quote")),
            "conversation_summary"]


def _row(r: ExportRow, keys: dict[str, str], score: LeadScore | None, digest: ConversationDigest | None,
         dims: Sequence[str]) -> list[str]:
    values: list[Any] = [
        r.id, r.name, r.email, r.phone, r.company, r.title, r.score, r.band, keys.get(r.stage_id), r.channel,
        r.source, ";".join(r.tags or []), r.owner, r.deal_value_cents, r.captured_at.isoformat(),
        r.last_activity_at.isoformat(), r.crm_sync_status,
    ]
    breakdown = (score.breakdown or {}) if score else {}
    for d in dims:
        dim = breakdown.get(d) if isinstance(breakdown.get(d), dict) else {}
        values += [dim.get("level"), dim.get("points"), dim.get("evidence")]
    values.append(summary(digest))
    return [_cell(v) for v in values]


def _stream(sessions: sessionmaker[Session], workspace_id: str, f: LeadFilter, before: str | None, limit: int,
            dims: list[str]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")

    def take() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writerow(columns(dims))
    yield take()
    remaining = limit
    with sessions() as s:  # its own read session: the request's has been committed and closed by now
        keys = stage_keys(s, workspace_id)
        while remaining > 0:
            rows = lead_queries.list_export_rows(s, workspace_id, f, before_id=before, limit=min(BATCH, remaining))
            if not rows:
                break
            scores = lead_queries.latest_scores(s, [r.id for r in rows])
            digests = lead_queries.conversation_digests(s, [r.contact_id for r in rows])
            writer.writerows(_row(r, keys, scores.get(r.id), digests.get(r.contact_id), dims) for r in rows)
            yield take()
            remaining -= len(rows)
            before = rows[-1].id
            s.expunge_all()  # keep memory flat over 10,000 rows
            if len(rows) < BATCH:
                break


@router.get("/export.csv", summary="Export leads as CSV", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "the CSV file, streamed"}})
def export_csv(
    request: Request,
    session: DB,
    caller: Reader,
    f: Annotated[LeadFilter, Depends(lead_filter)],
    cursor: Annotated[str | None, Query(description="`X-Next-Cursor` of the previous export")] = None,
    limit: Annotated[int, Query(ge=1, le=EXPORT_LIMIT, description="rows, at most 10,000")] = EXPORT_LIMIT,
) -> StreamingResponse:
    """The same filters as the list, newest first. Columns: the lead's profile, score, stage,
    channel and source, per rubric dimension its level, points and verbatim quote (BANT by default),
    and a conversation summary. When more rows match than `limit`, the response carries
    `X-Export-Truncated: true` and `X-Next-Cursor` to fetch the rest."""
    before = decode_cursor(cursor)
    ws = get_active_workspace(session, caller.workspace_id)
    dims = dimension_keys((ws.settings or {}).get("rubric"))
    # The ids at the end of this export: a second one means more rows match than fit.
    edge = lead_queries.lead_ids_from(session, ws.id, f, before_id=before, offset=limit - 1, count=2)
    headers = {"Content-Disposition": 'attachment; filename="leads.csv"', "Cache-Control": "no-store"}
    if len(edge) == 2:
        headers["X-Export-Truncated"] = "true"
        headers["X-Next-Cursor"] = encode_cursor(edge[0])
    return StreamingResponse(_stream(get_runtime(request).sessions, ws.id, f, before, limit, dims),
                             media_type="text/csv; charset=utf-8", headers=headers)
