"""Routing and queueing of a parsed inbound e-mail, shared by the SMTP server and the webhooks.

The recipient address finds the workspace (an active `email` channel config). Each accepted e-mail
becomes one `inbound.message` outbox row, deduplicated by its Message-ID, committed at once; the
worker runs the agent turn later and sends the reply through `channels.email_send`.

Robots (RFC 3834: auto-replies, bounces, lists) and mail from one of our own addresses are
accepted but NOT queued: no message is stored, no agent turn runs, so nothing answers them (two
robots never loop) and no contact or lead is made from a bounce. They are logged, and a bounce of
one of our replies marks that reply's delivery status `failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agent.types import Channel, InboundMessage
from channels.email_parse import ParsedEmail, visitor_text
from channels.email_send import event_id_of
from storage import channel_configs, conversations, email_threads, outbox
from storage.db import unit_of_work
from storage.models import ChannelConfig

if TYPE_CHECKING:  # only storage imports SQLAlchemy at run time (DESIGN)
    from storage.db import Session, sessionmaker

log = logging.getLogger(__name__)
CHANNEL = Channel.email.value


class UnknownRecipient(Exception):
    """No recipient of the e-mail is an active inbound address: nothing was stored."""


class NoText(Exception):
    """The e-mail has neither a readable body nor a subject: nothing was stored."""


@dataclass
class Accepted:
    queued: int = 0
    duplicates: int = 0
    ignored: str | None = None  # why nothing was queued (a robot, our own address)

    def as_dict(self) -> dict[str, Any]:
        return {"queued": self.queued, "duplicates": self.duplicates, "ignored": self.ignored}


def is_served(sessions: sessionmaker[Session], address: str) -> bool:
    """Whether an address is an active inbound address (the SMTP server's RCPT check)."""
    with sessions() as s:
        return channel_configs.find_active(s, CHANNEL, address) is not None


def routed_configs(session: Session, recipients: list[str]) -> list[ChannelConfig]:
    """The active configs the e-mail is for, one per workspace (a message to two addresses of one
    workspace is one conversation)."""
    found: dict[str, ChannelConfig] = {}
    for address in recipients:
        config = channel_configs.find_active(session, CHANNEL, address)
        if config is not None:
            found.setdefault(config.workspace_id, config)
    return list(found.values())


def accept(sessions: sessionmaker[Session], parsed: ParsedEmail,
           allow: Callable[[Session, ChannelConfig], bool] | None = None) -> Accepted:
    """Queue `parsed` for every workspace it is addressed to, in one transaction. `allow` lets a
    webhook check the config's secret (and claim a one-time token) before anything is written; a
    config it refuses is skipped, and if all are refused `PermissionError` is raised (nothing stored)."""
    with unit_of_work(sessions) as s:
        configs = routed_configs(s, parsed.recipients)
        if not configs:
            raise UnknownRecipient(", ".join(parsed.recipients) or "no recipient")
        if allow is not None:
            configs = [c for c in configs if allow(s, c)]
            if not configs:
                raise PermissionError("no recipient's channel accepts these credentials")
        result = Accepted()
        ignored = _ignore_reason(s, parsed)
        if ignored is not None:
            log.info("email %s not answered: %s", parsed.message_id, ignored)
            for config in configs:
                _record_bounce(s, config.workspace_id, parsed)
            result.ignored = ignored
            return result
        text = visitor_text(parsed)
        if not text.strip():
            raise NoText("the e-mail has no readable text and no subject")
        for config in configs:
            queued = _queue(s, config, parsed, text)
            result.queued += queued
            result.duplicates += not queued
        return result


def _ignore_reason(s: Session, parsed: ParsedEmail) -> str | None:
    if parsed.is_robot:
        return f"robot: {parsed.robot}"
    if not parsed.from_address or "@" not in parsed.from_address:
        return "no sender address to answer"
    if channel_configs.find_active(s, CHANNEL, parsed.from_address) is not None:
        return "sent by one of our own inbound addresses (a loop)"
    return None


def _record_bounce(s: Session, workspace_id: str, parsed: ParsedEmail) -> None:
    """A bounce of one of our replies marks its delivery status failed."""
    for message_id in parsed.bounced_ids:
        if event_id_of(message_id) is not None:
            conversations.record_delivery_status(s, workspace_id, CHANNEL, message_id, "failed",
                                                   datetime.now(UTC), error=f"bounced: {parsed.subject[:200]}")


def _queue(s: Session, config: ChannelConfig, parsed: ParsedEmail, text: str) -> bool:
    thread_id = email_threads.thread_for_message_ids(s, config.workspace_id, _lookup_ids(parsed)) \
        or parsed.thread_root
    route = {"config_id": config.id, "to": parsed.reply_address, "subject": parsed.subject,
             "message_id": parsed.message_id, "references": parsed.reply_chain[:-1]}
    inbound = InboundMessage(
        workspace_id=config.workspace_id, channel=Channel.email, sender_id=parsed.from_address[:320],
        thread_id=thread_id, text=text, provider_message_id=parsed.message_id,
        sender_name=parsed.from_name[:200] if parsed.from_name else None, reply_route=route,
    )
    return outbox.enqueue_inbound(s, config.workspace_id, CHANNEL, parsed.message_id, inbound.model_dump(mode="json"))


def _lookup_ids(parsed: ParsedEmail) -> list[str]:
    """The thread's earlier Message-IDs, plus `pending:<event_id>` for our own replies whose sent id
    may not be recorded on the agent message yet."""
    ids = parsed.thread_candidates[:50]
    return ids + [f"pending:{eid}" for eid in map(event_id_of, ids) if eid]
