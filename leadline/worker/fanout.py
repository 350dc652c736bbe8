"""Who receives a lead event: every active subscription asking for its type, plus the built-in
e-mail recipients (the lead's contact for nurture mail, its owner for reminders)."""

from __future__ import annotations

from typing import Any

from leadline.notify.events import CONTACT_MAIL_EVENTS, OWNER_MAIL_EVENTS
from leadline.notify.facts import LeadFacts
from storage.models import OutboxEvent, Subscription


def wants(sub: Subscription, event_type: str, payload: dict[str, Any]) -> bool:
    if not sub.active or event_type not in (sub.events or []):
        return False
    if sub.kind == "slack" and event_type == "lead.qualified":
        # The hot-lead routing rule decides whether this lead is announced in Slack.
        routing = (payload.get("data") or {}).get("routing") or {}
        return routing.get("slack_alert", True) is not False
    return True


def may_reach(event: OutboxEvent, subs: list[Subscription]) -> bool:
    """Whether the event can have any recipient: only then are the lead's facts worth loading."""
    payload = event.payload or {}
    return (event.event_type in CONTACT_MAIL_EVENTS or event.event_type in OWNER_MAIL_EVENTS
            or any(wants(s, event.event_type, payload) for s in subs))


def targets(event: OutboxEvent, subs: list[Subscription], lead: LeadFacts | None) -> list[dict[str, Any]]:
    payload = event.payload or {}
    base = {"workspace_id": event.workspace_id, "event_id": event.event_id, "event_type": event.event_type}
    rows = [{**base, "target": s.id, "subscription_id": s.id, "kind": s.kind}
            for s in subs if wants(s, event.event_type, payload)]
    if lead is not None:
        if event.event_type in CONTACT_MAIL_EVENTS and lead.email and "no_consent" not in lead.tags:
            rows.append({**base, "target": "contact", "subscription_id": None, "kind": "email"})
        if event.event_type in OWNER_MAIL_EVENTS and lead.owner and "@" in lead.owner:
            rows.append({**base, "target": "owner", "subscription_id": None, "kind": "email"})
    return rows
