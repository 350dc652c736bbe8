"""Per-workspace channel connections (issue 4): a WhatsApp phone number, an inbound e-mail
address, a Slack team. Inbound traffic finds its workspace through (kind, address)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, id_column, utcnow, workspace_column
from storage.types import EncryptedJSON


class ChannelConfig(Base):
    __tablename__ = "channel_configs"
    id: Mapped[str] = id_column("ch")
    workspace_id: Mapped[str] = workspace_column()
    kind: Mapped[str] = mapped_column(String(20))  # whatsapp | email | slack
    # The provider-side key inbound traffic is routed by: WhatsApp phone_number_id, the inbound
    # e-mail address (lower case), the Slack team id. Unique per kind across all workspaces.
    address: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100), default="")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # non-secret options
    # Tokens and signing keys: encrypted at rest and never returned by the API.
    secrets: Mapped[Any] = mapped_column(EncryptedJSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __table_args__ = (UniqueConstraint("kind", "address", name="uq_channel_address"),)
