"""Conversations and their messages."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.contacts import identity_index
from storage.direct import DirectStatement, columns, insert_now, loaded, row_params, values_rows
from storage.ids import new_id
from storage.models import ChannelIdentity, Consent, Contact, Conversation, Lead, Message, Workspace
from storage.types import EncryptedText
from storage.workspaces import UnknownWorkspace

_BY_THREAD = select(Conversation).where(
    Conversation.workspace_id == bindparam("ws"),
    Conversation.channel == bindparam("channel"),
    Conversation.thread_key == bindparam("key"),
)
_BY_PROVIDER_ID = (
    Message.workspace_id == bindparam("ws"),
    Message.channel == bindparam("channel"),
    Message.provider_message_id == bindparam("pid"),
)
_PROVIDER_ID_SEEN = select(Message.id).where(*_BY_PROVIDER_ID)


def conversation_for_thread(session: Session, workspace_id: str, contact_id: str, channel: str,
                            thread_id: str) -> Conversation:
    key = identity_index(f"thread:{channel}", thread_id)
    conv = session.scalar(_BY_THREAD, {"ws": workspace_id, "channel": channel, "key": key})
    return conv if conv is not None else new_conversation(session, workspace_id, contact_id, channel, thread_id)


def new_conversation(session: Session, workspace_id: str, contact_id: str, channel: str,
                     thread_id: str) -> Conversation:
    """Start a conversation; the caller knows the thread has none yet."""
    conv = Conversation(id=new_id("cv"), workspace_id=workspace_id, contact_id=contact_id, channel=channel,
                        thread_ref=thread_id, thread_key=identity_index(f"thread:{channel}", thread_id), state={})
    insert_now(session, conv)  # before its messages: there are no ORM relationships to order the inserts
    return conv


@dataclass(slots=True)
class TurnRows:
    """What a visitor's turn starts from, read in one statement (see `load_turn`)."""

    workspace: Workspace
    conversation: Conversation | None  # the thread's conversation, if it has one
    contact: Contact | None  # the conversation's contact
    lead: Lead | None  # that contact's lead (not deleted)
    consent: bool | None  # that contact's latest consent answer
    sender_contact_id: str | None  # the contact the sender's channel identity belongs to, if stored
    seen: bool  # the provider message id is stored already: a redelivery


_SENDER = (
    select(ChannelIdentity.contact_id)
    .where(
        ChannelIdentity.workspace_id == bindparam("ws"),
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id_bidx == bindparam("sender"),
    )
    .scalar_subquery()
)
_CONSENT = (
    select(Consent.granted)
    .where(Consent.contact_id == Conversation.contact_id)
    .order_by(Consent.id.desc())
    .limit(1)
    .correlate(Conversation)
    .scalar_subquery()
)
_SEEN = _PROVIDER_ID_SEEN.exists()
_TURN_ENTITIES = (Workspace, Conversation, Contact, Lead)
# A direct statement (`storage.direct`): every turn starts with it.
_TURN = DirectStatement(
    select(*(c for model in _TURN_ENTITIES for c in columns(model)), _SENDER, _CONSENT, _SEEN)
    .select_from(Workspace)
    .outerjoin(Conversation, and_(Conversation.workspace_id == Workspace.id,
                                  Conversation.channel == bindparam("channel"),
                                  Conversation.thread_key == bindparam("key")))
    .outerjoin(Contact, Contact.id == Conversation.contact_id)
    .outerjoin(Lead, and_(Lead.contact_id == Contact.id, Lead.deleted_at.is_(None)))
    .where(Workspace.id == bindparam("ws"))
)


def _spans(models: Sequence[type]) -> tuple[tuple[type, int, int], ...]:
    spans, start = [], 0
    for model in models:
        spans.append((model, start, start + len(columns(model))))
        start = spans[-1][2]
    return tuple(spans)


_TURN_SPANS = _spans(_TURN_ENTITIES)
_ACTIVE = [c.key for c in columns(Workspace)].index("active")


_MESSAGE_COLUMNS = ("workspace_id", "conversation_id", "role", "channel", "text", "provider_message_id", "created_at")


@functools.cache
def _insert_messages(rows: int) -> DirectStatement:
    """One INSERT of `rows` messages, returning their ids. Both databases number the rows of a VALUES
    list in order (SQLite's rowid, PostgreSQL's sequence called row by row), so the sorted ids are the
    rows' ids in the given order."""
    table = Message.__table__
    return DirectStatement(insert(table).values(values_rows(table, _MESSAGE_COLUMNS, rows)).returning(table.c.id))


_SAVE_TURN = DirectStatement(
    update(Conversation.__table__)
    .where(Conversation.__table__.c.id == bindparam("conversation"))
    # The state comes as JSON text (pydantic writes it faster than json.dumps its dump): stored as the
    # column's own type would store its parsed value, encrypted compact JSON.
    .values(state=bindparam("state", type_=EncryptedText()), last_message_at=bindparam("at"))
)


def load_turn(session: Session, workspace_id: str, channel: str, thread_id: str, sender_id: str,
              provider_message_id: str | None = None) -> TurnRows:
    """The active workspace, the thread's conversation with its contact, lead and latest consent,
    whether the sender is known and whether the message was stored before, in ONE round trip: a
    turn's reads are most of its statements. Raises UnknownWorkspace like `get_active_workspace`."""
    row = _TURN.first(session, {
        "ws": workspace_id,
        "channel": channel,
        "key": identity_index(f"thread:{channel}", thread_id),
        "sender": identity_index(channel, sender_id),
        "pid": provider_message_id,  # None matches nothing
    })
    if row is None or not row[_ACTIVE]:
        raise UnknownWorkspace(workspace_id)
    ws, conv, contact, lead = (loaded(session, model, row[a:b]) for model, a, b in _TURN_SPANS)
    sender_contact_id, consent, seen = row[-3:]
    return TurnRows(ws, conv, contact, lead, None if consent is None else bool(consent), sender_contact_id,
                    bool(seen))


def provider_message_seen(session: Session, workspace_id: str, channel: str, provider_message_id: str) -> bool:
    params = {"ws": workspace_id, "channel": channel, "pid": provider_message_id}
    return session.scalar(_PROVIDER_ID_SEEN, params) is not None


def add_message(session: Session, conv: Conversation, role: str, text: str, *, at: datetime,
                provider_message_id: str | None = None) -> Message:
    msg = Message(workspace_id=conv.workspace_id, conversation_id=conv.id, role=role, channel=conv.channel,
                  text=text, provider_message_id=provider_message_id, created_at=at)
    session.add(msg)
    conv.last_message_at = at
    return msg


def record_turn(session: Session, conv: Conversation, messages: Sequence[tuple[str, str, str | None]], *,
                state_json: str, at: datetime) -> list[int]:
    """Store a turn: several (role, text, provider message id) of one conversation and the
    conversation's new state (as JSON text), in two direct statements (`storage.direct`): every turn
    writes these, and SQLAlchemy's work around them cost more than the SQL. Returns the message ids in the given order,
    so a channel can answer with the stored messages without reading them again. A provider id seen
    before raises IntegrityError here."""
    params = row_params([{"workspace_id": conv.workspace_id, "conversation_id": conv.id, "role": role,
                          "channel": conv.channel, "text": text, "provider_message_id": provider_message_id,
                          "created_at": at} for role, text, provider_message_id in messages])
    ids = sorted(row[0] for row in _insert_messages(len(messages)).rows(session, params))
    _SAVE_TURN.run(session, {"conversation": conv.id, "state": state_json, "at": at})
    # The loaded object shows what is now stored (the state read again if asked for), and its flush
    # has nothing left to write.
    session.expire(conv, ["state"])
    set_committed_value(conv, "last_message_at", at)
    return ids


def transcript(session: Session, conversation_id: str) -> list[Message]:
    return list(session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    ))


# -- outbound message delivery statuses (provider status callbacks) ---------------------------------
# A status only moves forward: callbacks may arrive out of order (`delivered` after `read`).
STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
_MESSAGE_BY_PROVIDER_ID = select(Message).where(*_BY_PROVIDER_ID)


def record_delivery_status(session: Session, workspace_id: str, channel: str, provider_message_id: str,
                           status: str, at: datetime, error: str | None = None) -> bool:
    """Record a provider's status on the message it sent; False when no such message is known."""
    message = session.scalar(_MESSAGE_BY_PROVIDER_ID, {"ws": workspace_id, "channel": channel,
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
