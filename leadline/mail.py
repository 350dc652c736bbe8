"""Notification e-mail over SMTP (settings `smtp_*`).

`compose` builds a text (+ optional HTML) message; `send` hands it to the SMTP delivery the e-mail
channel uses and returns its Message-ID. Failures raise `MailError` with `retryable` telling the
worker whether to try again."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from channels.email_send import EmailSendError as MailError
from channels.email_send import deliver
from leadline.settings import Settings

__all__ = ["MailError", "compose", "send"]


def compose(settings: Settings, to: Sequence[str], subject: str, text: str, html: str | None = None,
            headers: dict[str, str] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "leadline.local"
    msg["Message-ID"] = make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def send(settings: Settings, msg: EmailMessage) -> str:
    """Deliver through the configured SMTP server (the e-mail channel's delivery); returns the Message-ID."""
    deliver(settings, msg)
    return str(msg["Message-ID"])
