"""Who a turn is about: the conversation and contact behind a visitor message, created on first contact.

Built from `storage.conversations.load_turn`, which reads the thread's conversation, its contact,
lead and latest consent in one statement; only a first message (or a new sender or thread) costs
more statements. The contact is always the conversation's: a thread belongs to the contact its
sender was merged into.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.types import InboundMessage
from storage import contacts, conversations, leads
from storage.conversations import TurnRows
from storage.db import Session
from storage.models import Contact, Conversation, Lead


@dataclass(slots=True)
class Participants:
    conversation: Conversation
    contact: Contact
    # The lead and latest consent answer of the contact with id `known_for`, read with it; None when unread.
    known_for: str | None = None
    lead: Lead | None = None
    consent: bool | None = None

    def lead_and_consent(self, session: Session, contact: Contact) -> tuple[Lead | None, bool | None]:
        """`contact`'s lead, and its latest consent answer when it has an e-mail (consent is asked for
        keeping the address). Read again only when the turn changed the contact (a merge)."""
        if contact.id == self.known_for:
            return self.lead, self.consent if contact.email else None
        consent = contacts.latest_consent(session, contact.id) if contact.email else None
        return leads.lead_for_contact(session, contact.id), consent.granted if consent else None


def participants(session: Session, rows: TurnRows, msg: InboundMessage) -> Participants:
    ws_id = rows.workspace.id
    if rows.conversation is not None and rows.contact is not None:
        if rows.sender_contact_id is None:  # a new sender in a known thread still gets its identity
            contacts.new_contact_for_identity(session, ws_id, msg.channel, msg.sender_id)
        return Participants(rows.conversation, rows.contact, rows.contact.id, rows.lead, rows.consent)
    if rows.sender_contact_id is None:
        contact = contacts.new_contact_for_identity(session, ws_id, msg.channel, msg.sender_id)
        known_for: str | None = contact.id  # a contact created just now has no lead and no consent
    else:
        contact = contacts.contact_for_identity(session, ws_id, msg.channel, msg.sender_id)
        known_for = None
    conv = conversations.new_conversation(session, ws_id, contact.id, msg.channel, msg.thread_id)
    return Participants(conv, contact, known_for)
