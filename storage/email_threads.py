"""E-mail bookkeeping (query functions; they never commit, DESIGN rule 1): joining a reply to its
conversation by Message-ID, and Mailgun's one-time webhook tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import idempotency
from storage.models import Conversation, Message

CHANNEL = "email"
TOKEN_SCOPE = "mailgun-token"


def thread_for_message_ids(session: Session, workspace_id: str, message_ids: list[str]) -> str | None:
    """The thread id of the conversation holding any of these messages (inbound Message-IDs are the
    visitor messages' provider ids; our replies' Message-IDs, or their `pending:<event_id>` before
    the sender recorded them, are the agent messages'). The newest match wins."""
    if not message_ids:
        return None
    stmt = (
        select(Conversation)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.workspace_id == workspace_id, Message.channel == CHANNEL,
               Message.provider_message_id.in_(message_ids))
        .order_by(Message.id.desc())
        .limit(1)
    )
    conv = session.scalars(stmt).first()
    return conv.thread_ref if conv is not None else None


def claim_webhook_token(session: Session, workspace_id: str, token: str, fingerprint: str, *,
                        now: datetime) -> bool | None:
    """Record a signed webhook's one-time token (kept 24 hours, longer than the 5-minute timestamp
    window). True: first use. None: the same token with the same content again (a provider's
    redelivery, harmless). False: the token with other content (a replay): refuse it."""
    row = idempotency.find(session, workspace_id, TOKEN_SCOPE, token[:255], now=now)
    if row is None:
        idempotency.begin(session, workspace_id, TOKEN_SCOPE, token[:255], fingerprint=fingerprint, now=now)
        return True
    return None if row.fingerprint == fingerprint else False
