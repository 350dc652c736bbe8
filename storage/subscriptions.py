"""Query functions for subscriptions: who hears about which lead events (they never commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.direct import DirectStatement, columns, loaded
from storage.models import Subscription


def list_subscriptions(session: Session, workspace_id: str, *, active_only: bool = False) -> list[Subscription]:
    stmt = select(Subscription).where(Subscription.workspace_id == workspace_id)
    if active_only:
        stmt = stmt.where(Subscription.active.is_(True))
    return list(session.scalars(stmt.order_by(Subscription.created_at, Subscription.id)))


def active_by_workspace(session: Session, workspace_ids: set[str]) -> dict[str, list[Subscription]]:
    """Every active subscription of these workspaces, for one fan-out batch."""
    return {ws: [sub for row in _ACTIVE.rows(session, {"ws": ws}) if (sub := loaded(session, Subscription, row))]
            for ws in workspace_ids}


# A direct statement (`storage.direct`): every worker round that fans out asks, mostly for one workspace.
_ACTIVE = DirectStatement(select(*columns(Subscription))
                          .where(Subscription.workspace_id == bindparam("ws"), Subscription.active.is_(True))
                          .order_by(Subscription.created_at, Subscription.id))


def get_subscription(session: Session, workspace_id: str, subscription_id: str) -> Subscription | None:
    """Scoped to the workspace: another workspace's subscription is simply not found."""
    sub = session.get(Subscription, subscription_id)
    return sub if sub is not None and sub.workspace_id == workspace_id else None


def add_subscription(session: Session, workspace_id: str, kind: str, events: list[str], *, name: str = "",
                     settings: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None,
                     active: bool = True) -> Subscription:
    sub = Subscription(workspace_id=workspace_id, kind=kind, name=name, events=list(events),
                       settings=dict(settings or {}), secrets=dict(secrets or {}), active=active)
    session.add(sub)
    session.flush()
    return sub


def delete_subscription(session: Session, sub: Subscription) -> None:
    session.delete(sub)
    session.flush()
