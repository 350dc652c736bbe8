"""Batch qualification of conversation files (../shared/eval/FORMAT.md): the same extraction and
rubric code the live agent runs, without storage, so a file of conversations can be judged fast."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agent.extraction.base import ExtractionBackend
from agent.state import ConversationState
from agent.types import Channel
from skills.rubric import Rubric


class TranscriptMessage(BaseModel):
    role: str = Field(pattern="^(visitor|agent)$")
    text: str


class Transcript(BaseModel):
    id: str
    channel: Channel
    today: date
    messages: list[TranscriptMessage]


class TranscriptError(ValueError):
    pass


def read_transcripts(lines: Iterable[str]) -> Iterator[Transcript]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield Transcript.model_validate_json(line)
        except ValidationError as e:
            first = e.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise TranscriptError(f"line {n}: {where}: {first['msg']}") from None


def qualify_transcript(t: Transcript, backend: ExtractionBackend, rubric: Rubric) -> dict[str, Any]:
    state = ConversationState()
    for m in t.messages:
        if m.role == "agent":
            state.observe_agent(m.text)
        else:
            state.observe_visitor(backend, m.text, today=t.today, channel=t.channel)
    ex = state.extraction()
    card = rubric.evaluate(ex)
    c = ex.contact
    return {
        "id": t.id,
        "intent": ex.intent,
        "is_lead": ex.intent and c.email is not None,
        "contact": {"name": c.name, "email": c.email, "phone": c.phone, "company": c.company},
        "bant": {k: {"level": d.level, "score": d.points, "evidence": d.evidence} for k, d in card.dimensions.items()},
        "score": card.score,
        "band": card.band,
    }


def qualify_lines(lines: Iterable[str], backend: ExtractionBackend, rubric: Rubric) -> Iterator[str]:
    for t in read_transcripts(lines):
        yield json.dumps(qualify_transcript(t, backend, rubric), ensure_ascii=False)
