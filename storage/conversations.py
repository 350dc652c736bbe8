"""Conversations and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.contacts import identity_index
from storage.models import Conversation, Message


def conversation_for_thread(session: Session, workspace_id: str, contact_id: str, channel: str,
                            thread_id: str) -> Conversation:
    key = identity_index(f"thread:{channel}", thread_id)
    conv = session.scalar(
        select(Conversation).where(
            Conversation.workspace_id == workspace_id,
            Conversation.channel == channel,
            Conversation.thread_key == key,
        )
    )
    if conv is None:
        conv = Conversation(workspace_id=workspace_id, contact_id=contact_id, channel=channel,
                            thread_ref=thread_id, thread_key=key, state={})
        session.add(conv)
        session.flush()
    return conv


def provider_message_seen(session: Session, workspace_id: str, channel: str, provider_message_id: str) -> bool:
    return session.scalar(
        select(Message.id).where(
            Message.workspace_id == workspace_id,
            Message.channel == channel,
            Message.provider_message_id == provider_message_id,
        )
    ) is not None


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
