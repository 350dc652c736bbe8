"""Read queries for the website widget and hosted chat page: a visitor session's messages, the reply
to a client message (idempotent retries), and where a conversation's replies are delivered."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.contacts import identity_index
from storage.models import Conversation, Message, Workspace

_CONV_ID_BY_THREAD = select(Conversation.id).where(
    Conversation.workspace_id == bindparam("ws"),
    Conversation.channel == bindparam("channel"),
    Conversation.thread_key == bindparam("key"),
)
_MESSAGES_AFTER = (
    select(Message)
    .where(Message.conversation_id == bindparam("conv"), Message.id > bindparam("after"))
    .order_by(Message.id)
    .limit(bindparam("limit"))
)


def conversation_id_for_thread(session: Session, workspace_id: str, channel: str, thread_id: str) -> str | None:
    """The conversation of a channel thread, without creating one (a page view stores nothing)."""
    key = identity_index(f"thread:{channel}", thread_id)
    return session.scalar(_CONV_ID_BY_THREAD, {"ws": workspace_id, "channel": channel, "key": key})


def messages_after(session: Session, conversation_id: str, after_id: int = 0, limit: int = 200) -> list[Message]:
    """Messages with an id above `after_id`, oldest first: history, and replay after a reconnect."""
    return list(session.scalars(_MESSAGES_AFTER, {"conv": conversation_id, "after": after_id, "limit": limit}))


def recent_messages(session: Session, conversation_id: str, limit: int = 200) -> list[Message]:
    """The last `limit` messages, oldest first."""
    rows = session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id.desc()).limit(limit)
    )
    return list(reversed(list(rows)))


def turn_for_provider_message(session: Session, workspace_id: str, channel: str,
                              provider_message_id: str) -> tuple[Message, Message | None] | None:
    """A stored visitor message and the agent reply that answered it, so a retried send gets the
    same answer back instead of a second turn."""
    visitor = session.scalar(select(Message).where(
        Message.workspace_id == workspace_id,
        Message.channel == channel,
        Message.provider_message_id == provider_message_id,
    ))
    if visitor is None:
        return None
    reply = session.scalar(
        select(Message)
        .where(Message.conversation_id == visitor.conversation_id, Message.id > visitor.id, Message.role == "agent")
        .order_by(Message.id)
        .limit(1)
    )
    return visitor, reply


def conversation(session: Session, conversation_id: str) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def first_active_workspace(session: Session) -> Workspace | None:
    return session.scalar(
        select(Workspace).where(Workspace.active.is_(True)).order_by(Workspace.created_at).limit(1)
    )
