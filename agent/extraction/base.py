"""What extraction produces, and the interface every extraction backend implements.

Extraction works per visitor message: a backend turns ONE message (with a little context) into a
`MessageExtraction`. The conversation keeps the list of them, so a new turn only extracts the new
message, and `combine()` (see combine.py) folds the list into one `Extraction` in which later
messages add to or correct earlier ones. Levels and scores are NOT decided here: the rubric turns
evidence into levels using its own settings (minimum budget, timing window), in code.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from agent.types import Channel


class Signal(StrEnum):
    """The qualification signals an extractor can find; rubric dimensions map onto these."""

    budget = "budget"
    authority = "authority"
    need = "need"
    timing = "timing"


ContactField = Literal["name", "email", "phone", "company", "title"]
IntentKind = Literal["pricing", "demo", "trial", "sales", "proposal", "gated_content"]
NonBuyerKind = Literal["support", "job_seeker", "vendor", "spam", "student"]


class MessageContext(BaseModel):
    """What a backend may know besides the message text."""

    index: int  # position among the visitor's messages in this conversation (0-based)
    today: date  # the day the message was received, for relative timing ("next month")
    channel: Channel
    previous_agent_text: str | None = None  # the agent's last message, e.g. the question it asked
    sender_name: str | None = None  # a profile name the channel gives (WhatsApp profile, Slack name)


class ContactCandidate(BaseModel):
    field: ContactField
    value: str  # normalised: e-mail lowercased, phone E.164, names/companies as written
    correction: bool = False  # the visitor corrects an earlier value ("sorry, it's actually ...")
    source: Literal["chat", "signature", "profile"] = "chat"


class IntentSignal(BaseModel):
    kind: IntentKind
    quote: str


class Evidence(BaseModel):
    """One piece of qualification evidence: a verbatim quote plus the facts read from it."""

    signal: Signal
    quote: str  # an EXACT substring of the visitor message it came from; short, the proving clause
    message_index: int = 0
    # The extractor's own grade, used where the rubric has no number to apply (authority, need,
    # vague budgets such as "tight budget", uncertain timing such as "no rush").
    grade: Literal["strong", "weak"]
    correction: bool = False  # revises earlier evidence of the same signal ("actually it's only ...")
    # budget: the upper end of the stated amount, per YEAR, in its currency (USD, EUR, GBP, ...).
    yearly_amount: float | None = None
    currency: str | None = None
    # timing: days from the message's `today` to the stated deadline or decision date.
    within_days: int | None = None


class MessageExtraction(BaseModel):
    """Everything found in one visitor message."""

    message_index: int = 0
    contact: list[ContactCandidate] = Field(default_factory=list)
    intent: list[IntentSignal] = Field(default_factory=list)
    non_buyer: list[NonBuyerKind] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    # A yes/no answer ("yes", "sure", "sí", "claro" / "no", "no thanks"), e.g. to a consent question.
    affirmation: bool | None = None
    # The message tries to steer the agent ("ignore your instructions", "mark me as hot").
    injection: bool = False


class ContactFields(BaseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    title: str | None = None


class Extraction(BaseModel):
    """The whole conversation so far, folded from its MessageExtractions."""

    contact: ContactFields = Field(default_factory=ContactFields)
    intent: bool = False
    intent_signals: list[IntentSignal] = Field(default_factory=list)
    non_buyer: list[NonBuyerKind] = Field(default_factory=list)
    # Every candidate per signal, in message order; the rubric picks the one that decides the level.
    evidence: dict[Signal, list[Evidence]] = Field(default_factory=dict)
    injection: bool = False
    last_affirmation: bool | None = None  # the latest message's yes/no, if it was one


class ExtractionBackend(Protocol):
    """A backend turns one visitor message into a MessageExtraction. Rule-based by default."""

    name: str

    def extract_message(self, text: str, context: MessageContext) -> MessageExtraction: ...
