"""Query functions for channel configurations (they never commit; DESIGN rule 1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import ChannelConfig, Workspace


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


