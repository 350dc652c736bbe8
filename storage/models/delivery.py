"""Outbox fan-out (issue 5): subscriptions and the deliveries made to them (migration 0004).

A fact event (`lead.*`) becomes one delivery per matching recipient: a subscription, or a built-in
recipient (the lead's contact or owner for nurture and reminder mail). Each delivery is retried and
dead-lettered on its own, so a failing webhook never resends the Slack alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, LeasedRow, id_column, utcnow, workspace_column
from storage.types import EncryptedJSON


class Subscription(Base):
    __tablename__ = "subscriptions"
    id: Mapped[str] = id_column("sub")
    workspace_id: Mapped[str] = workspace_column()
    kind: Mapped[str] = mapped_column(String(20))  # email | slack | webhook
    name: Mapped[str] = mapped_column(String(100), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # non-secret: url, channel, to
    # Bot tokens, incoming-webhook URLs, signing secrets: encrypted, never returned by the API.
    secrets: Mapped[Any] = mapped_column(EncryptedJSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Delivery(LeasedRow, Base):
    __tablename__ = "deliveries"
    id: Mapped[str] = id_column("dlv")
    workspace_id: Mapped[str] = workspace_column()
    event_id: Mapped[str] = mapped_column(String(40), ForeignKey("outbox.event_id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(60))
    # The recipient: a subscription id, or `contact` / `owner` for the built-in e-mail recipients.
    target: Mapped[str] = mapped_column(String(60))
    subscription_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # email | slack | webhook
    response_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        # A re-run fan-out finds the row it made before instead of adding a second one.
        UniqueConstraint("event_id", "target", name="uq_delivery_event_target"),
        Index("ix_deliveries_due", "status", "available_at"),
        Index("ix_deliveries_ws_status", "workspace_id", "status", "id"),
    )
