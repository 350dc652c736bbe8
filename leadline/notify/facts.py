"""What a notification says about a lead, read once per batch at send time (so an erased lead is
never announced with its old personal data)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from storage import lead_queries
from storage.db import Session
from storage.models import Lead


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    points: int
    level: str
    quote: str | None


@dataclass(frozen=True)
class LeadFacts:
    id: str
    workspace_id: str
    name: str | None
    email: str | None
    phone: str | None
    company: str | None
    title: str | None
    score: int | None
    band: str | None
    stage: str
    owner: str | None
    channel: str | None
    source: str
    tags: list[str]
    url: str
    dimensions: list[Dimension] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """The lead as webhook bodies carry it."""
        return {"id": self.id, "name": self.name, "email": self.email, "phone": self.phone, "company": self.company,
                "title": self.title, "score": self.score, "band": self.band, "stage": self.stage,
                "owner": self.owner, "channel": self.channel, "source": self.source, "tags": self.tags,
                "url": self.url, "breakdown": [d.__dict__ for d in self.dimensions]}


def lead_url(public_url: str, lead_id: str) -> str:
    return f"{public_url.rstrip('/')}/leads/{lead_id}"


def load(session: Session, public_url: str, keys: Iterable[tuple[str, str]]) -> dict[str, LeadFacts]:
    """Facts for each live (workspace_id, lead_id); erased or unknown leads are left out."""
    by_ws: dict[str, set[str]] = {}
    for ws, lead_id in keys:
        by_ws.setdefault(ws, set()).add(lead_id)
    found: dict[str, LeadFacts] = {}
    for ws, ids in by_ws.items():
        leads = lead_queries.live_leads_by_ids(session, ws, sorted(ids))
        contacts = lead_queries.contacts_by_ids(session, [lead.contact_id for lead in leads])
        scores = lead_queries.latest_scores(session, [lead.id for lead in leads])
        stage_keys = {s.id: s.key for s in lead_queries.stages(session, ws)}
        for lead in leads:
            found[lead.id] = _facts(lead, contacts.get(lead.contact_id), scores.get(lead.id), stage_keys, public_url)
    return found


def _facts(lead: Lead, contact: Any, score: Any, stage_keys: dict[str, str], public_url: str) -> LeadFacts:
    dims = []
    for key, d in ((score.breakdown or {}) if score is not None else {}).items():
        dims.append(Dimension(key=key, label=str(d.get("label") or key), points=int(d.get("points") or 0),
                              level=str(d.get("level") or ""), quote=d.get("evidence")))
    return LeadFacts(
        id=lead.id, workspace_id=lead.workspace_id, name=getattr(contact, "name", None),
        email=getattr(contact, "email", None), phone=getattr(contact, "phone", None),
        company=getattr(contact, "company", None), title=getattr(contact, "title", None),
        score=lead.score, band=lead.band, stage=stage_keys.get(lead.stage_id, ""), owner=lead.owner,
        channel=lead.channel, source=lead.source, tags=list(lead.tags or []), url=lead_url(public_url, lead.id),
        dimensions=dims)
