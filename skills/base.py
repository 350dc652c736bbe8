"""The skill protocol: a skill reads a narrow context and returns decisions; the agent applies them.

Skills never see a database session or an HTTP client (DESIGN rule 5). What they may change is a
closed set of typed decisions below; the agent applies them through storage query functions in
the turn's single transaction, and `emit()`ted events become outbox rows in that same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from agent.extraction.base import Extraction
from agent.types import Channel
from skills.rubric import Rubric, ScoreCard


# --- decisions ---------------------------------------------------------------------------------
class CaptureLead(BaseModel):
    """Create the lead for this contact (or keep the existing one: leads merge by e-mail)."""

    kind: Literal["capture_lead"] = "capture_lead"
    source: str = "website"


class RecordConsent(BaseModel):
    kind: Literal["record_consent"] = "record_consent"
    granted: bool
    text: str  # the consent wording the visitor answered


class RecordScore(BaseModel):
    kind: Literal["record_score"] = "record_score"
    card: ScoreCard


class BookDemo(BaseModel):
    kind: Literal["book_demo"] = "book_demo"
    start: datetime
    end: datetime
    timezone: str


Decision = CaptureLead | RecordConsent | RecordScore | BookDemo


@dataclass
class Say:
    """A piece of the reply. The agent keeps every statement but only ONE question per turn
    (the one with the highest priority), so the visitor is never interrogated."""

    text: str
    question: bool = False
    priority: int = 0
    # Names the question ("consent", "budget"); the agent reports the question it actually asked
    # as `SkillContext.last_question` == "<skill name>:<key>" on the next turn.
    key: str | None = None


@dataclass
class SkillResult:
    say: list[Say] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


# --- context -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactView:
    contact_id: str | None
    name: str | None
    email: str | None
    phone: str | None
    company: str | None
    consent: bool | None  # None: never asked/answered


@dataclass(frozen=True)
class LeadView:
    lead_id: str
    stage: str
    score: int | None
    band: str | None


@dataclass
class SkillContext:
    workspace_id: str
    conversation_id: str
    channel: Channel
    now: datetime  # timezone-aware UTC
    text: str  # the visitor's current message
    previous_agent_text: str | None
    extraction: Extraction
    contact: ContactView
    lead: LeadView | None
    rubric: Rubric
    memory: dict[str, Any]  # this skill's own per-conversation memory, persisted by the agent
    # Busy intervals of the workspace calendar (existing bookings), fetched lazily by the agent.
    busy: Callable[[datetime, datetime], list[tuple[datetime, datetime]]]
    # The question the agent asked in its previous reply, as "<skill name>:<key>", if any.
    last_question: str | None = None
    _events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, event_type: str, data: dict[str, Any] | None = None) -> None:
        """Queue an event; the agent writes it to the outbox with the ids it knows (lead, contact)."""
        self._events.append((event_type, dict(data or {})))


@runtime_checkable
class Skill(Protocol):
    """A skill is a class with a name, a pydantic config model and one method."""

    name: ClassVar[str]
    Config: ClassVar[type[BaseModel]]

    def __init__(self, config: BaseModel) -> None: ...

    def run(self, ctx: SkillContext) -> SkillResult: ...
