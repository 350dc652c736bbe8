"""SQLAlchemy models. Personal data (names, e-mails, phones, message text, quotes) is encrypted;
e-mail and phone also get a keyed blind index so dedupe works without plaintext (SPEC L3, G2)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.ids import new_id
from storage.types import EncryptedJSON, EncryptedText, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


def id_column(prefix: str) -> Any:
    return mapped_column(String(40), primary_key=True, default=lambda: new_id(prefix))


def serial_column() -> Any:
    return mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)


def ref_column(target: str) -> Any:
    return mapped_column(String(40), ForeignKey(target, ondelete="CASCADE"), index=True)


def workspace_column() -> Any:
    return mapped_column(String(40), ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[str] = id_column("ws")
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(60), unique=True, default=lambda: new_id("pk"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Per-workspace settings: rubric, skill configs, timezone, retention, allowed origins.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[str] = id_column("ct")
    workspace_id: Mapped[str] = workspace_column()
    name: Mapped[str | None] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email_bidx: Mapped[str | None] = mapped_column(String(64))
    phone_bidx: Mapped[str | None] = mapped_column(String(64))
    company: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    # Set when this contact was merged into another (SPEC L3); the survivor holds everything.
    merged_into_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("contacts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __table_args__ = (
        Index("uq_contacts_email", "workspace_id", "email_bidx", unique=True,
              sqlite_where=email_bidx.isnot(None), postgresql_where=email_bidx.isnot(None)),
        Index("ix_contacts_phone", "workspace_id", "phone_bidx"),
    )


class ChannelIdentity(Base):
    """How a contact is known on a channel (widget session, wa_id, e-mail address, Slack user)."""

    __tablename__ = "channel_identities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = workspace_column()
    contact_id: Mapped[str] = ref_column("contacts.id")
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(EncryptedText)  # to reach the person again
    external_id_bidx: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("workspace_id", "channel", "external_id_bidx", name="uq_identity"),)


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = id_column("cv")
    workspace_id: Mapped[str] = workspace_column()
    contact_id: Mapped[str] = ref_column("contacts.id")
    channel: Mapped[str] = mapped_column(String(20))
    thread_ref: Mapped[str] = mapped_column(EncryptedText)  # the channel's thread id, to reply into it
    thread_key: Mapped[str] = mapped_column(String(64))  # its blind index, for look-ups
    # Extraction results and skill memory, carried from turn to turn; contains PII so encrypted.
    state: Mapped[Any] = mapped_column(EncryptedJSON)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel", "thread_key", name="uq_conversation_thread"),
    )


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = serial_column()
    workspace_id: Mapped[str] = workspace_column()
    conversation_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10))  # visitor | agent | human
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(EncryptedText)
    provider_message_id: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Outbound messages: the provider's delivery status callbacks (sent | delivered | read | failed).
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    delivery_status_at: Mapped[datetime | None] = mapped_column()
    delivery_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        # A provider's redelivery of the same message id is a no-op (DESIGN rule 4).
        UniqueConstraint("workspace_id", "channel", "provider_message_id", name="uq_message_provider_id"),
    )


class PipelineStage(Base):
    __tablename__ = "pipeline_stages"
    id: Mapped[str] = id_column("stg")
    workspace_id: Mapped[str] = workspace_column()
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    win_probability: Mapped[int] = mapped_column(Integer, default=0)
    color: Mapped[str] = mapped_column(String(9), default="#64748b")
    auto_nurture: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_days: Mapped[int | None] = mapped_column(Integer)
    # open | won | lost | disqualified: closed stages are not "active" (SPEC A4).
    outcome: Mapped[str] = mapped_column(String(20), default="open")
    __table_args__ = (UniqueConstraint("workspace_id", "key", name="uq_stage_key"),)


class Lead(Base):
    __tablename__ = "leads"
    id: Mapped[str] = id_column("lead")
    workspace_id: Mapped[str] = workspace_column()
    contact_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("contacts.id", ondelete="CASCADE"), unique=True
    )
    stage_id: Mapped[str] = mapped_column(String(40), ForeignKey("pipeline_stages.id"))
    score: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(20))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(30), default="website")
    channel: Mapped[str | None] = mapped_column(String(20))
    company_size: Mapped[int | None] = mapped_column(Integer)
    deal_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_follow_up_at: Mapped[datetime | None] = mapped_column()
    crm_sync_status: Mapped[str] = mapped_column(String(20), default="below_threshold")
    crm_ids: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(EncryptedText)
    deleted_at: Mapped[datetime | None] = mapped_column()
    __table_args__ = (
        Index("ix_leads_ws_stage_score", "workspace_id", "stage_id", "score", "id"),
        Index("ix_leads_ws_score", "workspace_id", "score", "id"),
    )


class LeadScore(Base):
    """An immutable score calculation (SPEC S5): inserted, never updated."""

    __tablename__ = "lead_scores"
    id: Mapped[int] = serial_column()
    workspace_id: Mapped[str] = workspace_column()
    lead_id: Mapped[str] = ref_column("leads.id")
    rubric: Mapped[str] = mapped_column(String(60))
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30))  # conversation | rescore | manual
    breakdown: Mapped[Any] = mapped_column(EncryptedJSON)  # levels, points and verbatim quotes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(LeadScore, "before_update")
def _scores_are_immutable(*_: Any) -> None:
    raise ValueError("lead score records are immutable; insert a new one")


class Activity(Base):
    __tablename__ = "activities"
    id: Mapped[int] = serial_column()
    workspace_id: Mapped[str] = workspace_column()
    lead_id: Mapped[str] = ref_column("leads.id")
    # stage_change | agent_action | system | call | email | meeting | note
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(EncryptedText)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(200), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """A consent answer as given (SPEC G1): the wording shown, the answer, when and where."""

    __tablename__ = "consents"
    id: Mapped[int] = serial_column()
    workspace_id: Mapped[str] = workspace_column()
    contact_id: Mapped[str] = ref_column("contacts.id")
    conversation_id: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Booking(Base):
    """A demo slot booked by demo_scheduler; also the busy calendar for later offers."""

    __tablename__ = "bookings"
    id: Mapped[str] = id_column("bk")
    workspace_id: Mapped[str] = workspace_column()
    lead_id: Mapped[str] = ref_column("leads.id")
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="booked")  # booked | canceled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_bookings_ws_start", "workspace_id", "start_at"),)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = serial_column()
    workspace_id: Mapped[str] = workspace_column()
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(40))
    changes: Mapped[Any] = mapped_column(EncryptedJSON)  # {"before": {...}, "after": {...}}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_audit_ws_entity", "workspace_id", "entity_type", "entity_id"),)


class LeasedRow:
    """The queue columns of rows a worker claims with a lease and retries (outbox events, deliveries):
    what `storage.outbox.claim`, `finish` and `replay` read and write."""

    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()


class OutboxEvent(LeasedRow, Base):
    """Transactional outbox (DESIGN rule 2): written with the change, delivered by the worker."""

    __tablename__ = "outbox"
    id: Mapped[int] = serial_column()
    event_id: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: new_id("evt"))
    workspace_id: Mapped[str] = workspace_column()
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[Any] = mapped_column(EncryptedJSON)
    __table_args__ = (Index("ix_outbox_due", "status", "available_at"),)


# --- REST API (migration 0002) ------------------------------------------------------------------
# Live-lead indexes for the API's keyset pagination (newest id first): the partial index skips
# erased leads, and the trailing score column lets `score_min`/`score_max` be checked in the index
# while it is walked in id order, so a deep page costs what the first one does.
Index("ix_leads_live_ws_id", Lead.workspace_id, Lead.id, Lead.score,
      sqlite_where=Lead.deleted_at.is_(None), postgresql_where=Lead.deleted_at.is_(None))
Index("ix_leads_live_ws_stage_id", Lead.workspace_id, Lead.stage_id, Lead.id, Lead.score,
      sqlite_where=Lead.deleted_at.is_(None), postgresql_where=Lead.deleted_at.is_(None))


class ApiKey(Base):
    """A bearer key for the REST API. Only its SHA-256 is stored (the key has 256 random bits, so a
    fast hash is enough); the prefix lets people recognise a key without revealing it."""

    __tablename__ = "api_keys"
    id: Mapped[str] = id_column("key")
    workspace_id: Mapped[str] = workspace_column()
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)  # read | write | admin
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class IdempotencyKey(Base):
    """A client's Idempotency-Key and the response it got, so a retried request is answered the
    same way without running twice. `fingerprint` is a keyed hash of the request body."""

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = serial_column()
    # No index of its own: the unique constraint below leads with workspace_id.
    workspace_id: Mapped[str] = mapped_column(String(40), ForeignKey("workspaces.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(40))  # which endpoint the key belongs to
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    resource_id: Mapped[str | None] = mapped_column(String(40), index=True)  # erased with the lead
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("workspace_id", "scope", "key", name="uq_idempotency_key"),)
