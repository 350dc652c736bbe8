"""The built-in inbound SMTP server (`leadline smtp`, aiosmtpd).

Point an MX record (or a relay) at it. Each recipient is checked at RCPT time, so a message for an
address no workspace serves is refused with 550 before its data is sent; messages over the size
limit get 552 (aiosmtpd's data_size_limit, also announced as SIZE in EHLO). An accepted message is
parsed and queued like a webhook delivery (channels.email_inbound) before "250" is answered, so a
message the server acknowledged is never lost. The database work runs in a thread: the event loop
keeps serving other connections.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller

from channels import email_inbound
from channels.email_parse import parse_bytes

if TYPE_CHECKING:
    from storage.db import Session, sessionmaker

log = logging.getLogger(__name__)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class InboundHandler:
    """aiosmtpd calls handle_RCPT and handle_DATA by name."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if not await asyncio.to_thread(email_inbound.is_served, self.sessions, address):
            return f"550 5.1.1 <{address}>: no such inbound address here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        try:
            parsed = parse_bytes(content, envelope_from=envelope.mail_from or "", envelope_to=list(envelope.rcpt_tos))
            result = await asyncio.to_thread(email_inbound.accept, self.sessions, parsed)
        except email_inbound.UnknownRecipient:  # the address was deactivated since RCPT
            return "550 5.1.1 no such inbound address here"
        except email_inbound.NoText:
            return "554 5.6.0 the message has no readable text"
        except Exception:
            log.exception("inbound e-mail could not be stored")
            return "451 4.3.0 temporary failure; try again later"
        log.info("smtp: message %s queued=%d duplicates=%d ignored=%s", parsed.message_id, result.queued,
                 result.duplicates, result.ignored)
        return "250 Message accepted for delivery"


def start_server(sessions: sessionmaker[Session], host: str, port: int, *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> Controller:
    """Start the server in its own thread; `.stop()` it when done."""
    controller = Controller(InboundHandler(sessions), hostname=host, port=port, data_size_limit=max_bytes)
    controller.start()
    return controller
