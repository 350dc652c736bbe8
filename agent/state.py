"""Conversation state that carries forward from turn to turn (stored encrypted with the conversation)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from agent.extraction.base import Extraction, ExtractionBackend, MessageContext, MessageExtraction
from agent.extraction.combine import combine, extract_checked
from agent.types import Channel


class ConversationState(BaseModel):
    extractions: list[MessageExtraction] = Field(default_factory=list)
    last_agent_text: str | None = None
    skill_memory: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # The day each visitor message was said, by message index: timing evidence ages from it.
    said_on: list[date] = Field(default_factory=list)

    @property
    def visitor_count(self) -> int:
        return len(self.extractions)

    def observe_visitor(
        self,
        backend: ExtractionBackend,
        text: str,
        *,
        today: date,
        channel: Channel,
        sender_name: str | None = None,
    ) -> Extraction:
        """Extract the new visitor message and return the whole conversation's extraction."""
        ctx = MessageContext(
            index=self.visitor_count,
            today=today,
            channel=channel,
            previous_agent_text=self.last_agent_text,
            sender_name=sender_name,
        )
        self.extractions.append(extract_checked(backend, text, ctx))
        # States stored before `said_on` existed lack earlier days; they count as said today.
        self.said_on.extend([today] * (len(self.extractions) - len(self.said_on)))
        return combine(self.extractions)

    def observe_agent(self, text: str) -> None:
        self.last_agent_text = text

    def extraction(self) -> Extraction:
        return combine(self.extractions)
