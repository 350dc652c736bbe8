"""Sending agent replies by SMTP (smtplib), threaded into the visitor's e-mail conversation.

The outbox worker calls `send_reply` for each `channel.reply` event of the email channel. The reply
comes From the inbound address (so the visitor's answer comes back to us), with "Re: <subject>",
In-Reply-To the visitor's Message-ID and References the chain. Its Message-ID is derived from the
event id, so a retry after a send whose acknowledgement was lost carries the same Message-ID and
mail clients show it once (idempotent on the receiving side), and an answer to it is joined to the
conversation even before the worker records the id. It is marked `Auto-Submitted: auto-replied`
(RFC 3834), so other robots do not answer it and two robots cannot loop.
"""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from storage import channel_configs

_OUR_ID = re.compile(r"^<leadline\.(evt_[A-Za-z0-9]+)@[^>]+>$")
_HAS_RE = re.compile(r"^\s*(?:re|aw|res|sv|antw)\s*:", re.IGNORECASE)


class EmailSendError(Exception):
    """A failed send. `retryable` tells the worker whether another attempt can succeed."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable, self.retry_after = retryable, retry_after


def message_id_for(event_id: str, from_address: str) -> str:
    domain = from_address.rsplit("@", 1)[-1] or "localhost"
    return f"<leadline.{event_id}@{domain}>"


def event_id_of(message_id: str) -> str | None:
    """The outbox event id of one of our replies' Message-ID, None for anyone else's."""
    m = _OUR_ID.match(message_id)
    return m.group(1) if m else None


def reply_subject(subject: str) -> str:
    subject = subject.strip() or "Your message"
    return subject if _HAS_RE.match(subject) else f"Re: {subject}"


def build_reply(event_id: str, from_address: str, from_name: str | None, route: dict[str, Any],
                text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((from_name or "", from_address))
    msg["To"] = route["to"]
    msg["Subject"] = reply_subject(route.get("subject") or "")
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id_for(event_id, from_address)
    original = route.get("message_id")
    if original:
        msg["In-Reply-To"] = original
        msg["References"] = " ".join(dict.fromkeys([*(route.get("references") or []), original]))
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"  # asks Exchange not to send out-of-office replies to it
    msg.set_content(text)
    return msg


def send_reply(runtime: Any, event_id: str, payload: dict[str, Any]) -> str | None:
    """Send one `channel.reply` event; returns the Message-ID of the reply."""
    route = payload["route"]
    with runtime.sessions() as s:
        config = channel_configs.get_config(s, payload["workspace_id"], route["config_id"])
        if config is None or not config.active:
            raise EmailSendError(f"e-mail channel {route['config_id']} is gone or inactive", retryable=False)
        from_address, from_name = config.address, (config.settings or {}).get("from_name")
    msg = build_reply(event_id, from_address, from_name, route, payload["text"])
    deliver(runtime.settings, msg, sender=from_address)
    return str(msg["Message-ID"])


def deliver(settings: Any, msg: EmailMessage, *, sender: str | None = None) -> None:
    """Hand `msg` to the configured SMTP server (LEADLINE_SMTP_*); errors say whether to retry."""
    if not settings.smtp_host:
        raise EmailSendError("no SMTP server configured (set LEADLINE_SMTP_HOST)", retryable=False)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            refused = smtp.send_message(msg, from_addr=sender)
    except smtplib.SMTPRecipientsRefused as e:
        codes = [code for code, _ in e.recipients.values()]
        raise EmailSendError(f"recipient refused ({', '.join(map(str, codes))})",
                             retryable=all(400 <= c < 500 for c in codes)) from None
    except smtplib.SMTPAuthenticationError as e:
        raise EmailSendError(f"SMTP login refused ({e.smtp_code})", retryable=False) from None
    except smtplib.SMTPResponseException as e:
        raise EmailSendError(f"SMTP {e.smtp_code}: {e.smtp_error.decode('utf-8', 'replace')[:200]}",
                             retryable=e.smtp_code < 500) from None
    except (smtplib.SMTPException, OSError) as e:  # OSError covers refused connections and timeouts
        raise EmailSendError(f"SMTP server unreachable: {type(e).__name__}", retryable=True) from None
    if refused:  # the server took the message for some recipients only; resending would duplicate it
        raise EmailSendError(f"some recipients were refused: {sorted(refused)}", retryable=False)
