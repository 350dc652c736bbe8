"""Leads entered by hand or through the public capture form (SPEC L2): one person per e-mail, so a
second submission with a known e-mail reuses that contact and its lead (SPEC L3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.contacts import contact_by_email, set_contact_fields
from storage.ids import new_id
from storage.leads import create_lead, lead_for_contact
from storage.models import Contact, Lead


def lead_for_person(session: Session, workspace_id: str, *, email: str, name: str, phone: str | None = None,
                    company: str | None = None, title: str | None = None, source: str, channel: str | None,
                    at: datetime, actor: str) -> tuple[Lead, Contact, bool, dict[str, str]]:
    """The lead of the person with this e-mail, created if needed, whether it is new, and which
    empty fields of an existing contact were filled in (it keeps what it already has)."""
    contact = contact_by_email(session, workspace_id, email)
    missing: dict[str, str] = {}
    if contact is None:
        contact = Contact(id=new_id("ct"), workspace_id=workspace_id)
        session.add(contact)
        session.flush()
        contact = set_contact_fields(session, contact, email=email, name=name, phone=phone, company=company,
                                     title=title)
    else:
        missing = {f: v for f, v in (("name", name), ("phone", phone), ("company", company), ("title", title))
                   if v is not None and getattr(contact, f) is None}
        if missing:
            contact = set_contact_fields(session, contact, **missing)
    lead = lead_for_contact(session, contact.id)
    if lead is not None:
        return lead, contact, False, missing
    lead = create_lead(session, workspace_id, contact.id, source=source, channel=channel, at=at, actor=actor)
    return lead, contact, True, missing
