"""Read-side lead queries for the API: filtered lists with keyset pagination, one lead's detail,
and batch look-ups for exports. Only live leads (not erased) are returned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, any_, bindparam, cast, exists, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from storage.contacts import email_index
from storage.models import Activity, Consent, Contact, Conversation, Lead, LeadScore, Message, PipelineStage
from storage.types import UTCDateTime


@dataclass(frozen=True)
class LeadFilter:
    score_min: int | None = None
    score_max: int | None = None
    stage_ids: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    sync_statuses: tuple[str, ...] = ()
    tag: str | None = None
    # An exact e-mail (through the blind index: e-mails are encrypted) or part of a company name.
    q: str | None = None
    captured_from: datetime | None = None  # inclusive
    captured_to: datetime | None = None  # exclusive


def _has_tag(session: Session, tag: str) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(Lead.tags, JSONB).contains([tag])
    each = func.json_each(Lead.tags).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value == tag))


def _one_of(session: Session, column: Any, ids: Sequence[str]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL `= ANY(array)`: one parameter instead of hundreds, which the
    driver and SQLAlchemy otherwise render and parse per query (a third of a 10,000-row export)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(String)))
    return column.in_(ids)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(session: Session, workspace_id: str, f: LeadFilter) -> list[ColumnElement[bool]]:
    # `deleted_at IS NULL` must appear literally for the partial indexes to be used.
    cond: list[ColumnElement[bool]] = [Lead.workspace_id == workspace_id, Lead.deleted_at.is_(None)]
    if f.score_min is not None:
        cond.append(Lead.score >= f.score_min)
    if f.score_max is not None:
        cond.append(Lead.score <= f.score_max)
    for column, values in ((Lead.stage_id, f.stage_ids), (Lead.band, f.bands), (Lead.channel, f.channels),
                           (Lead.source, f.sources), (Lead.crm_sync_status, f.sync_statuses)):
        if len(values) == 1:
            cond.append(column == values[0])
        elif values:
            cond.append(column.in_(values))
    if f.tag:
        cond.append(_has_tag(session, f.tag))
    if f.captured_from is not None:
        cond.append(Lead.captured_at >= f.captured_from)
    if f.captured_to is not None:
        cond.append(Lead.captured_at < f.captured_to)
    if f.q:
        q = f.q.strip()
        by_company = func.lower(Contact.company).like(f"%{_like_escape(q.lower())}%", escape="\\")
        cond.append(or_(Contact.email_bidx == email_index(q), by_company) if "@" in q else by_company)
    return cond


def list_leads_stmt(session: Session, workspace_id: str, f: LeadFilter, *, before_id: str | None,
                    limit: int, columns: Sequence[Any] = (Lead, Contact)) -> Select[Any]:
    """The statement `list_leads` runs (benchmarks EXPLAIN it)."""
    stmt = select(*columns).join(Contact, Contact.id == Lead.contact_id).where(
        *_conditions(session, workspace_id, f)
    )
    if before_id is not None:
        stmt = stmt.where(Lead.id < before_id)
    return stmt.order_by(Lead.id.desc()).limit(limit)


def list_leads(session: Session, workspace_id: str, f: LeadFilter, *, before_id: str | None,
               limit: int) -> list[tuple[Lead, Contact]]:
    """Newest first (ids are time-ordered); `before_id` is the last id of the previous page."""
    rows = session.execute(list_leads_stmt(session, workspace_id, f, before_id=before_id, limit=limit))
    return [(lead, contact) for lead, contact in rows]


# What a CSV export writes of a lead and its contact.
EXPORT_COLUMNS = (Lead.id, Lead.contact_id, Contact.name, Contact.email, Contact.phone, Contact.company, Contact.title,
                  Lead.score, Lead.band, Lead.stage_id, Lead.channel, Lead.source, Lead.tags, Lead.owner,
                  Lead.deal_value_cents, Lead.captured_at, Lead.last_activity_at, Lead.crm_sync_status)
ExportRow = Row[Any]  # attributes named as EXPORT_COLUMNS


def list_export_rows(session: Session, workspace_id: str, f: LeadFilter, *, before_id: str | None,
                     limit: int) -> list[ExportRow]:
    """`list_leads` as plain rows of EXPORT_COLUMNS: building no ORM objects (nor decrypting notes)
    makes a 10,000-row export several times cheaper."""
    stmt = list_leads_stmt(session, workspace_id, f, before_id=before_id, limit=limit, columns=EXPORT_COLUMNS)
    return list(session.execute(stmt))


def lead_ids_from(session: Session, workspace_id: str, f: LeadFilter, *, before_id: str | None, offset: int,
                  count: int) -> list[str]:
    """Ids at positions offset..offset+count-1 of the filtered list (to find where an export ends)."""
    stmt = select(Lead.id).join(Contact, Contact.id == Lead.contact_id).where(*_conditions(session, workspace_id, f))
    if before_id is not None:
        stmt = stmt.where(Lead.id < before_id)
    return list(session.scalars(stmt.order_by(Lead.id.desc()).offset(offset).limit(count)))


def get_live_lead(session: Session, workspace_id: str, lead_id: str) -> tuple[Lead, Contact] | None:
    row = session.execute(
        select(Lead, Contact).join(Contact, Contact.id == Lead.contact_id).where(
            Lead.id == lead_id, Lead.workspace_id == workspace_id, Lead.deleted_at.is_(None)
        )
    ).first()
    return (row[0], row[1]) if row else None


def live_leads_by_ids(session: Session, workspace_id: str, lead_ids: Sequence[str]) -> list[Lead]:
    return list(session.scalars(select(Lead).where(
        Lead.workspace_id == workspace_id, Lead.id.in_(lead_ids), Lead.deleted_at.is_(None)
    )))


def contacts_by_ids(session: Session, contact_ids: Sequence[str]) -> dict[str, Contact]:
    return {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))}


def stages(session: Session, workspace_id: str) -> list[PipelineStage]:
    return list(session.scalars(
        select(PipelineStage).where(PipelineStage.workspace_id == workspace_id).order_by(PipelineStage.position)
    ))


def transcript_for_contact(session: Session, contact_id: str) -> list[tuple[Message, Conversation]]:
    """Every message of every conversation with this contact, in the order they were written."""
    rows = session.execute(
        select(Message, Conversation).join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.contact_id == contact_id).order_by(Message.created_at, Message.id)
    )
    return [(m, c) for m, c in rows]


def timeline(session: Session, lead_id: str) -> list[Activity]:
    return list(session.scalars(
        select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.created_at.desc(), Activity.id.desc())
    ))


def consents_for_contact(session: Session, contact_id: str) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.contact_id == contact_id).order_by(Consent.id)))


def latest_scores(session: Session, lead_ids: Sequence[str]) -> dict[str, LeadScore]:
    if not lead_ids:
        return {}
    newest = (select(func.max(LeadScore.id)).where(_one_of(session, LeadScore.lead_id, lead_ids))
              .group_by(LeadScore.lead_id))
    return {s.lead_id: s for s in session.scalars(select(LeadScore).where(LeadScore.id.in_(newest)))}


@dataclass(frozen=True)
class ConversationDigest:
    messages: int
    channels: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    first_visitor_text: str | None


def conversation_digests(session: Session, contact_ids: Sequence[str]) -> dict[str, ConversationDigest]:
    """Per contact: message count, channels, first/last time and the visitor's opening message,
    in three queries for the whole batch (exports ask for hundreds of contacts at a time)."""
    if not contact_ids:
        return {}
    counts = session.execute(
        select(Conversation.contact_id, func.count(Message.id), func.min(Message.created_at),
               func.max(Message.created_at))
        .join(Message, Message.conversation_id == Conversation.id)
        .where(_one_of(session, Conversation.contact_id, contact_ids)).group_by(Conversation.contact_id)
    ).all()
    channels: dict[str, set[str]] = {}
    for contact_id, channel in session.execute(
        select(Conversation.contact_id, Conversation.channel).where(
            _one_of(session, Conversation.contact_id, contact_ids))
    ):
        channels.setdefault(contact_id, set()).add(channel)
    first_ids = (
        select(func.min(Message.id)).join(Conversation, Conversation.id == Message.conversation_id)
        .where(_one_of(session, Conversation.contact_id, contact_ids), Message.role == "visitor")
        .group_by(Conversation.contact_id)
    )
    opening: dict[str, str] = {
        contact_id: text for contact_id, text in session.execute(
            select(Conversation.contact_id, Message.text).join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.id.in_(first_ids))
        )
    }
    out: dict[str, ConversationDigest] = {}
    for contact_id, n, first_at, last_at in counts:
        out[contact_id] = ConversationDigest(n, tuple(sorted(channels.get(contact_id, ()))),
                                             _aware(first_at), _aware(last_at), opening.get(contact_id))
    return out


def _aware(value: Any) -> datetime:
    # Defensive: an aggregate may come back from SQLite as a naive datetime or a string.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    result = UTCDateTime().process_result_value(value, None)
    assert result is not None
    return result
