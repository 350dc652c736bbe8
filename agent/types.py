"""The types every channel speaks to the agent: one InboundMessage in, one Reply out."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_MESSAGE_CHARS = 4000


class Channel(StrEnum):
    widget = "widget"
    whatsapp = "whatsapp"
    email = "email"
    slack = "slack"
    hosted_page = "hosted_page"


class InboundMessage(BaseModel):
    """A visitor message, normalised by a channel adapter."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    channel: Channel
    # The channel's own identity of the sender (widget session id, wa_id, e-mail address, Slack user).
    sender_id: str = Field(min_length=1, max_length=320)
    # The channel's thread (widget session, WhatsApp chat, e-mail thread root, Slack thread).
    thread_id: str = Field(min_length=1, max_length=500)
    text: str
    provider_message_id: str | None = Field(default=None, max_length=500)
    sender_name: str | None = Field(default=None, max_length=200)
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    # Set by adapters that answer through the outbox (WhatsApp, e-mail, Slack): where the reply goes
    # (channel config id, recipient, thread headers). The agent then writes a `channel.reply` event
    # in the turn's transaction, so a reply is neither lost nor sent for a turn that rolled back.
    reply_route: dict[str, Any] | None = None

    @field_validator("text", mode="before")
    @classmethod
    def _decode_text(cls, v: object) -> object:
        if isinstance(v, bytes):
            try:
                return v.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValueError(f"message text is not valid UTF-8 (byte {e.start})") from None
        return v

    @field_validator("text")
    @classmethod
    def _check_text(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("message text contains a NUL character")
        if not v.strip():
            raise ValueError("message text is empty")
        if len(v) > MAX_MESSAGE_CHARS:
            raise ValueError(f"message text has {len(v)} characters; the limit is {MAX_MESSAGE_CHARS}")
        return v


class Reply(BaseModel):
    """What the agent answers, plus what changed, for the channel and for debugging."""

    conversation_id: str
    text: str
    contact_id: str | None = None
    lead_id: str | None = None
    score: int | None = None
    band: str | None = None
    events: list[str] = Field(default_factory=list)
    duplicate: bool = False  # the provider message id was seen before; nothing was stored
    # The stored visitor message and reply (ids; both written at `at`), so a channel can show them
    # without reading them back. None on a duplicate.
    message_id: int | None = None
    reply_id: int | None = None
    at: datetime | None = None
