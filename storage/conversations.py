"""Conversations and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.contacts import identity_index
from storage.ids import new_id
from storage.models import Conversation, Message

_BY_THREAD = select(Conversation).where(
    Conversation.workspace_id == bindparam("ws"),
    Conversation.channel == bindparam("channel"),
    Conversation.thread_key == bindparam("key"),
)
_PROVIDER_ID_SEEN = select(Message.id).where(
    Message.workspace_id == bindparam("ws"),
    Message.channel == bindparam("channel"),
    Message.provider_message_id == bindparam("pid"),
)


def conversation_for_thread(session: Session, workspace_id: str, contact_id: str, channel: str,
                            thread_id: str) -> Conversation:
    key = identity_index(f"thread:{channel}", thread_id)
    conv = session.scalar(_BY_THREAD, {"ws": workspace_id, "channel": channel, "key": key})
    if conv is None:
        conv = Conversation(id=new_id("cv"), workspace_id=workspace_id, contact_id=contact_id, channel=channel,
                            thread_ref=thread_id, thread_key=key, state={})
        session.add(conv)
        session.flush()  # before its messages: there are no ORM relationships to order the inserts
    return conv


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


def save_state(conv: Conversation, state: dict[str, Any]) -> None:
    conv.state = state


def transcript(session: Session, conversation_id: str) -> list[Message]:
    return list(session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    ))
