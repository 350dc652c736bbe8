"""The skill protocol: a skill reads a narrow context and returns decisions; the agent applies them.

Skills never see a database session or an HTTP client (DESIGN rule 5). What they may change is a
closed set of typed decisions below; the agent applies them through storage query functions in
the turn's single transaction, and `emit()`ted events become outbox rows in that same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.extraction.base import Extraction
from agent.types import Channel
from skills.rubric import Rubric, ScoreCard

log = logging.getLogger(__name__)


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


class RouteHotLead(BaseModel):
    """The score crossed the hot-lead threshold (up: tag/flag as the rule says; down: undo them)."""

    kind: Literal["route_hot_lead"] = "route_hot_lead"
    hot: bool
    score: int
    threshold: int
    tag: bool = False
    crm_flag: bool = False


Decision = CaptureLead | RecordConsent | RecordScore | BookDemo | RouteHotLead


# --- per-workspace automation ------------------------------------------------------------------
class HotLeadRule(BaseModel):
    """Hot-lead routing (SPEC R1), workspace settings `automation.hot_lead`. When a lead's score
    reaches the threshold: tag it `hot`, flag it for the CRM, alert Slack, offer a demo at once."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="off: `lead.qualified` is still emitted, but no action is taken")
    threshold: int | None = Field(
        80, ge=0, le=100, description="score at which a lead is hot; null: the rubric's own hot_threshold"
    )
    tag_hot: bool = Field(True, description="add the tag `hot` to the lead")
    crm_flag: bool = Field(True, description="push the lead to the CRM with the hot-lead flag")
    slack_alert: bool = Field(True, description="announce the lead in the Slack channels subscribed to it")
    offer_demo: bool = Field(True, description="demo_scheduler offers slots in the same reply")

    def threshold_for(self, rubric: Rubric) -> int:
        return rubric.hot_threshold if self.threshold is None else self.threshold

    def routing(self) -> dict[str, bool]:
        """The actions, as `lead.qualified` carries them for the worker (Slack reads `slack_alert`)."""
        on = self.enabled
        return {"slack_alert": on and self.slack_alert, "crm_flag": on and self.crm_flag,
                "tag_hot": on and self.tag_hot, "offer_demo": on and self.offer_demo}

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> HotLeadRule:
        raw = ((settings or {}).get("automation") or {}).get("hot_lead")
        if raw is None:
            return DEFAULT_HOT_LEAD_RULE
        try:
            return cls.model_validate(raw)
        except ValidationError:
            # Settings are validated when written (API); a hand-edited bad value must not break turns.
            log.warning("invalid automation.hot_lead settings ignored; using the defaults")
            return DEFAULT_HOT_LEAD_RULE


DEFAULT_HOT_LEAD_RULE = HotLeadRule()


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
    # The workspace's hot-lead rule (SPEC R1); None: the rubric's threshold and no routing actions.
    hot_lead: HotLeadRule | None = None
    # The day each visitor message was said, by message index (the last is today's message).
    said_on: Sequence[date] = ()
    _events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def score(self) -> ScoreCard:
        """The rubric's score of the conversation so far, timing evidence aged to today's message:
        "next month" said 60 days ago has passed, as in the daily re-score."""
        as_of = self.said_on[-1] if self.said_on else None
        return self.rubric.evaluate(self.extraction, as_of=as_of, said_on=self.said_on)

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
