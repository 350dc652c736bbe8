"""Builders for the e-mail channel tests: a connected inbound address, and MIME messages as a
mail client would write them (built with the standard library, so their encoding is real)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from storage import channel_configs
from storage.db import unit_of_work
from storage.workspaces import create_workspace


def email_channel(runtime: Any, address: str = "sales@acme.test", *, workspace: str = "Acme Analytics",
                  **secrets: str) -> tuple[str, str]:
    """A workspace with an inbound e-mail address; returns (workspace_id, config_id)."""
    with unit_of_work(runtime.sessions) as s:
        ws = create_workspace(s, workspace, settings={"rubric": "bant"})
        config = channel_configs.add_config(s, ws.id, "email", address, name="Sales inbox",
                                            settings={"from_name": "Acme Sales"}, secrets=secrets)
        return ws.id, config.id


def mail(body: str, *, sender: str = "Ana Souza <ana@example.com>", to: str = "sales@acme.test",
         subject: str = "Pricing for our team", message_id: str | None = None, in_reply_to: str | None = None,
         references: list[str] | None = None, html: str | None = None, charset: str = "utf-8",
         headers: dict[str, str] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body, charset=charset)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg
