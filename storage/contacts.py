"""Contacts, their channel identities, consents, and merging duplicates (SPEC L1, L3, G1)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from storage.crypto import vault
from storage.direct import DirectStatement, columns, insert_now, loaded
from storage.ids import new_id
from storage.models import (
    Activity,
    Booking,
    ChannelIdentity,
    Consent,
    Contact,
    Conversation,
    Lead,
    LeadScore,
)


def email_index(email: str) -> str:
    return vault().blind_index("email", email.strip().lower())


def phone_index(phone: str) -> str:
    return vault().blind_index("phone", phone.strip())


def identity_index(channel: str, external_id: str) -> str:
    return vault().blind_index(f"identity:{channel}", external_id)


# Hot-path statements are built once with bind parameters: building SQL expressions per call
# costs more than running them on SQLite.
_CONTACT_BY_IDENTITY = (
    select(Contact)
    .join(ChannelIdentity, ChannelIdentity.contact_id == Contact.id)
    .where(
        ChannelIdentity.workspace_id == bindparam("ws"),
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id_bidx == bindparam("key"),
    )
)
_LATEST_CONSENT = (
    select(Consent).where(Consent.contact_id == bindparam("contact")).order_by(Consent.id.desc()).limit(1)
)


def contact_for_identity(session: Session, workspace_id: str, channel: str, external_id: str) -> Contact:
    """The contact behind a channel identity, created on first contact."""
    key = identity_index(channel, external_id)
    contact = session.scalar(_CONTACT_BY_IDENTITY, {"ws": workspace_id, "channel": channel, "key": key})
    return contact if contact is not None else new_contact_for_identity(session, workspace_id, channel, external_id)


def new_contact_for_identity(session: Session, workspace_id: str, channel: str, external_id: str) -> Contact:
    """A new contact with its first channel identity; the caller knows the identity is not stored yet."""
    key = identity_index(channel, external_id)
    contact = Contact(id=new_id("ct"), workspace_id=workspace_id)
    # Written at once, in this order (a flush does not order rows without ORM relationships by foreign
    # key), by direct statements: every new visitor's first turn writes these.
    insert_now(session, contact)
    insert_now(session, ChannelIdentity(workspace_id=workspace_id, contact_id=contact.id, channel=channel,
                                        external_id=external_id, external_id_bidx=key))
    return contact


# A direct statement (`storage.direct`): every e-mail a visitor gives is looked up.
_CONTACT_BY_EMAIL = DirectStatement(select(*columns(Contact)).where(Contact.workspace_id == bindparam("ws"),
                                                                    Contact.email_bidx == bindparam("key")))


def contact_by_email(session: Session, workspace_id: str, email: str) -> Contact | None:
    row = _CONTACT_BY_EMAIL.first(session, {"ws": workspace_id, "key": email_index(email)})
    return None if row is None else loaded(session, Contact, row)


def set_contact_fields(
    session: Session,
    contact: Contact,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    company: str | None = None,
    title: str | None = None,
) -> Contact:
    """Update the given fields. A new e-mail already held by another contact of the workspace
    merges this contact into that one (the person reached us twice); the survivor is returned."""
    if email is not None:
        email = email.strip().lower()
        if email != contact.email:
            other = contact_by_email(session, contact.workspace_id, email)
            if other is not None and other.id != contact.id:
                merge_contacts(session, survivor=other, duplicate=contact)
                contact = other
            else:
                contact.email, contact.email_bidx = email, email_index(email)
    if phone is not None and phone != contact.phone:
        contact.phone, contact.phone_bidx = phone, phone_index(phone)
    if name is not None:
        contact.name = name
    if company is not None:
        contact.company = company
    if title is not None:
        contact.title = title
    return contact


def merge_contacts(session: Session, *, survivor: Contact, duplicate: Contact) -> None:
    """Move everything of `duplicate` to `survivor`: identities, conversations, consents and the
    lead with its scores, activities and bookings. Nothing is lost (SPEC L3)."""
    if survivor.workspace_id != duplicate.workspace_id:
        raise ValueError("contacts of different workspaces cannot be merged")
    session.flush()
    for model in (ChannelIdentity, Conversation, Consent):
        session.execute(
            update(model).where(model.contact_id == duplicate.id).values(contact_id=survivor.id)
        )
    dup_lead = session.scalar(select(Lead).where(Lead.contact_id == duplicate.id))
    if dup_lead is not None:
        keep = session.scalar(select(Lead).where(Lead.contact_id == survivor.id))
        if keep is None:
            dup_lead.contact_id = survivor.id
        else:
            for model in (LeadScore, Activity, Booking):
                session.execute(update(model).where(model.lead_id == dup_lead.id).values(lead_id=keep.id))
            keep.tags = sorted(set(keep.tags) | set(dup_lead.tags))
            if (dup_lead.score or 0) > (keep.score or 0):
                keep.score, keep.band = dup_lead.score, dup_lead.band
            keep.captured_at = min(keep.captured_at, dup_lead.captured_at)
            keep.last_activity_at = max(keep.last_activity_at, dup_lead.last_activity_at)
            session.add(Activity(workspace_id=keep.workspace_id, lead_id=keep.id, kind="system",
                                 summary=f"Merged duplicate lead {dup_lead.id}", data={"merged": dup_lead.id}))
            session.flush()
            session.delete(dup_lead)
    for field in ("name", "phone", "company", "title"):
        if getattr(survivor, field) is None and getattr(duplicate, field) is not None:
            setattr(survivor, field, getattr(duplicate, field))
    if survivor.phone is not None and survivor.phone_bidx is None:
        survivor.phone_bidx = phone_index(survivor.phone)
    duplicate.merged_into_id = survivor.id
    duplicate.email = duplicate.email_bidx = duplicate.phone = duplicate.phone_bidx = None
    duplicate.name = None
    session.flush()


def record_consent(session: Session, contact: Contact, *, granted: bool, text: str, channel: str,
                   conversation_id: str | None) -> Consent:
    consent = Consent(workspace_id=contact.workspace_id, contact_id=contact.id, granted=granted, text=text,
                      channel=channel, conversation_id=conversation_id, created_at=datetime.now(UTC))
    session.add(consent)
    return consent


def latest_consent(session: Session, contact_id: str) -> Consent | None:
    return session.scalar(_LATEST_CONSENT, {"contact": contact_id})
