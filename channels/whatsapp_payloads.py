"""The WhatsApp Cloud API webhook payload (INTEGRATIONS.md), as pydantic models.

Lenient where Meta adds fields (extra keys are ignored) and strict where we rely on a field: a
message without `id`, `from` or `timestamp` fails validation and the delivery is answered 422."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Metadata(_Wire):
    phone_number_id: str = Field(min_length=1, max_length=64)
    display_phone_number: str | None = None


class Profile(_Wire):
    name: str | None = None


class WaContact(_Wire):
    wa_id: str = Field(min_length=1, max_length=64)
    profile: Profile | None = None


class Text(_Wire):
    body: str


class Button(_Wire):
    payload: str | None = None
    text: str | None = None


class Choice(_Wire):
    id: str | None = None
    title: str | None = None
    description: str | None = None


class Interactive(_Wire):
    type: str | None = None
    button_reply: Choice | None = None
    list_reply: Choice | None = None


class Context(_Wire):
    id: str | None = None


class WaMessage(_Wire):
    id: str = Field(min_length=1, max_length=500)
    from_: str = Field(alias="from", min_length=1, max_length=64)
    timestamp: int  # unix seconds, sent as a string
    type: str
    text: Text | None = None
    button: Button | None = None
    interactive: Interactive | None = None
    context: Context | None = None

    @property
    def received_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)

    def visitor_text(self) -> str | None:
        """What the person said, for text, quick-reply buttons and interactive replies; None for
        media, locations, reactions and other kinds the agent cannot read."""
        if self.type == "text" and self.text is not None:
            return self.text.body
        if self.type == "button" and self.button is not None:
            return self.button.text or self.button.payload
        if self.type == "interactive" and self.interactive is not None:
            choice = self.interactive.button_reply or self.interactive.list_reply
            if choice is not None:
                return choice.title or choice.id
        return None


class StatusError(_Wire):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: dict[str, Any] | None = None

    def describe(self) -> str:
        details = (self.error_data or {}).get("details")
        return " ".join(str(p) for p in (self.code, self.title or self.message, details) if p)


class Status(_Wire):
    id: str = Field(min_length=1, max_length=500)
    status: str
    timestamp: int
    recipient_id: str | None = None
    errors: list[StatusError] = Field(default_factory=list)

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)


class Value(_Wire):
    messaging_product: str | None = None
    metadata: Metadata
    contacts: list[WaContact] = Field(default_factory=list)
    messages: list[WaMessage] = Field(default_factory=list)
    statuses: list[Status] = Field(default_factory=list)

    def sender_name(self, wa_id: str) -> str | None:
        for c in self.contacts:
            if c.wa_id == wa_id and c.profile is not None and c.profile.name:
                return c.profile.name[:200]
        return None


class Change(_Wire):
    field: str
    value: dict[str, Any]  # only `messages` changes are read; others (account, templates) are ignored


class Entry(_Wire):
    id: str | None = None
    changes: list[Change] = Field(default_factory=list)


class Delivery(_Wire):
    object: str
    entry: list[Entry] = Field(default_factory=list)

    def values(self) -> list[Value]:
        """The `messages` changes; raises pydantic.ValidationError when one is malformed."""
        return [Value.model_validate(c.value) for e in self.entry for c in e.changes if c.field == "messages"]
