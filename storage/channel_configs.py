"""Query functions for channel configurations (they never commit; DESIGN rule 1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storage.models import ChannelConfig, Message, Workspace


def normalise_address(kind: str, address: str) -> str:
    address = address.strip()
    return address.lower() if kind == "email" else address


# Built once with bind parameters: every webhook delivery looks its channel up (see storage.contacts).
_ACTIVE_BY_ADDRESS = (
    select(ChannelConfig)
    .join(Workspace, Workspace.id == ChannelConfig.workspace_id)
    .where(
        ChannelConfig.kind == bindparam("kind"),
        ChannelConfig.address == bindparam("address"),
        ChannelConfig.active.is_(True),
        Workspace.active.is_(True),
    )
)


def find_active(session: Session, kind: str, address: str) -> ChannelConfig | None:
    """The active config inbound traffic for `address` belongs to, if its workspace is active."""
    return session.scalars(_ACTIVE_BY_ADDRESS, {"kind": kind, "address": normalise_address(kind, address)}).first()


def config_by_address(session: Session, kind: str, address: str) -> ChannelConfig | None:
    """Any config holding (kind, address), in any workspace: addresses are unique per kind."""
    stmt = select(ChannelConfig).where(ChannelConfig.kind == kind,
                                       ChannelConfig.address == normalise_address(kind, address))
    return session.scalars(stmt).first()


def list_configs(session: Session, workspace_id: str, kind: str | None = None) -> list[ChannelConfig]:
    stmt = select(ChannelConfig).where(ChannelConfig.workspace_id == workspace_id)
    if kind is not None:
        stmt = stmt.where(ChannelConfig.kind == kind)
    return list(session.scalars(stmt.order_by(ChannelConfig.created_at, ChannelConfig.id)))


def get_config(session: Session, workspace_id: str, config_id: str) -> ChannelConfig | None:
    """Scoped to the workspace: another workspace's config is simply not found."""
    config = session.get(ChannelConfig, config_id)
    return config if config is not None and config.workspace_id == workspace_id else None


def add_config(
    session: Session,
    workspace_id: str,
    kind: str,
    address: str,
    *,
    name: str = "",
    settings: dict[str, Any] | None = None,
    secrets: dict[str, Any] | None = None,
) -> ChannelConfig:
    config = ChannelConfig(
        workspace_id=workspace_id,
        kind=kind,
        address=normalise_address(kind, address),
        name=name,
        settings=dict(settings or {}),
        secrets=dict(secrets or {}),
        active=True,
    )
    session.add(config)
    session.flush()  # surfaces a duplicate address as IntegrityError here, not at commit
    return config


def delete_config(session: Session, config: ChannelConfig) -> None:
    session.delete(config)
    session.flush()


# -- outbound message delivery statuses (provider status callbacks) ---------------------------------
# A status only moves forward: callbacks may arrive out of order (`delivered` after `read`).
STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
_OUTBOUND_BY_PROVIDER_ID = select(Message).where(
    Message.workspace_id == bindparam("ws"),
    Message.channel == bindparam("channel"),
    Message.provider_message_id == bindparam("pid"),
)


def record_delivery_status(session: Session, workspace_id: str, channel: str, provider_message_id: str,
                           status: str, at: datetime, error: str | None = None) -> bool:
    """Record a provider's status on the message it sent; False when no such message is known."""
    message = session.scalar(_OUTBOUND_BY_PROVIDER_ID, {"ws": workspace_id, "channel": channel,
                                                        "pid": provider_message_id})
    if message is None:
        return False
    if STATUS_RANK.get(status, 0) > STATUS_RANK.get(message.delivery_status or "", 0):
        message.delivery_status, message.delivery_status_at = status, at
        if error is not None:
            message.delivery_error = error
    return True


def last_visitor_message_at(session: Session, conversation_id: str) -> datetime | None:
    """When the visitor last wrote in a conversation (WhatsApp's 24-hour service window)."""
    return session.scalar(select(func.max(Message.created_at)).where(
        Message.conversation_id == conversation_id, Message.role == "visitor"))
