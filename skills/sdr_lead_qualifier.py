"""sdr_lead_qualifier: score the lead against the workspace rubric and ask what is still unknown
(SPEC S1-S3). The score is computed by `Rubric.evaluate` from extracted evidence, in code."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from skills.base import HotLeadRule, RecordScore, RouteHotLead, Say, SkillContext, SkillResult
from skills.rubric import Rubric, ScoreCard

# Without a workspace rule (a bare SkillContext): the rubric's threshold, and no routing actions.
RUBRIC_THRESHOLD_ONLY = HotLeadRule(enabled=False, threshold=None)


class QualifierConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ask_questions: bool = True
    max_questions: int = Field(4, ge=0, le=20, description="qualifying questions per conversation")
    turns_between_questions: int = Field(1, ge=1, le=10)


def _signature(card: ScoreCard) -> list[list[str | None]]:
    """What a score record is about: a new record is written whenever this changes."""
    return [[k, d.level, d.evidence] for k, d in sorted(card.dimensions.items())]


def hot_lead_crossing(rule: HotLeadRule, rubric: Rubric, previous: int | None, score: int) -> RouteHotLead | None:
    """The routing decision when a new score crosses the hot threshold (SPEC R1), either way; None
    when it does not cross. Shared with the daily re-score, so both route alike."""
    threshold = rule.threshold_for(rubric)
    was_hot = previous is not None and previous >= threshold
    if (score >= threshold) == was_hot:
        return None
    act = rule.routing()
    return RouteHotLead(hot=not was_hot, score=score, threshold=threshold, tag=act["tag_hot"],
                        crm_flag=act["crm_flag"])


def qualified_data(rule: HotLeadRule, route: RouteHotLead, band: str) -> dict[str, Any]:
    """`lead.qualified` event data; `routing` tells the worker which alerts the rule wants."""
    return {"score": route.score, "band": band, "threshold": route.threshold, "routing": rule.routing()}


class SdrLeadQualifier:
    name: ClassVar[str] = "sdr_lead_qualifier"
    Config: ClassVar[type[BaseModel]] = QualifierConfig

    def __init__(self, config: BaseModel) -> None:
        assert isinstance(config, QualifierConfig)
        self.config = config

    def run(self, ctx: SkillContext) -> SkillResult:
        cfg, mem = self.config, ctx.memory
        result = SkillResult()
        turn = mem.get("turn", 0) + 1
        mem["turn"] = turn
        asked: list[str] = mem.setdefault("asked", [])
        prefix = f"{self.name}:"
        if ctx.last_question and ctx.last_question.startswith(prefix):
            asked.append(ctx.last_question.removeprefix(prefix))
            mem["asked_turn"] = turn - 1

        card = ctx.score()
        signature = _signature(card)
        if ctx.lead is not None and (ctx.lead.score is None or signature != mem.get("recorded")):
            mem["recorded"] = signature
            result.decisions.append(RecordScore(card=card))
            previous = ctx.lead.score
            if previous != card.score:
                ctx.emit("lead.score_changed", {"from": previous, "to": card.score, "band": card.band})
            route = hot_lead_crossing(ctx.hot_lead or RUBRIC_THRESHOLD_ONLY, ctx.rubric, previous, card.score)
            if route is not None:
                result.decisions.append(route)
                if route.hot:
                    ctx.emit("lead.qualified", qualified_data(ctx.hot_lead or RUBRIC_THRESHOLD_ONLY, route, card.band))

        if not cfg.ask_questions or not ctx.extraction.intent or len(asked) >= cfg.max_questions:
            return result
        # Ask again at once when the last question was answered; otherwise give the visitor room.
        last = asked[-1] if asked else None
        answered = last is None or last not in card.dimensions or card.dimensions[last].level != "none"
        if not answered and turn - mem.get("asked_turn", -99) <= cfg.turns_between_questions:
            return result
        dim = ctx.rubric.next_question(card, set(asked))
        if dim is not None:
            result.say.append(Say(dim.question, question=True, priority=20, key=dim.key))
        return result
