"""collect_lead: capture contact details, consent and buying intent (SPEC L1-L3, G1).

A lead is created only when the visitor has shown buying intent AND given an e-mail. Until then
the skill asks, politely and not every turn, for what is missing; once the e-mail is known it asks
for consent explicitly and records the answer with the wording shown.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from skills.base import CaptureLead, RecordConsent, Say, SkillContext, SkillResult

CHANNEL_SOURCE = {"widget": "website", "hosted_page": "website", "whatsapp": "social_media",
                  "email": "other", "slack": "partner"}


class CollectLeadConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consent_text: str = Field(
        "Is it OK if we keep your contact details to follow up about this? "
        "You can ask us to delete them at any time.",
        min_length=10,
    )
    ask_consent: bool = True
    max_email_asks: int = Field(2, ge=0, le=5)
    turns_between_asks: int = Field(2, ge=1, le=10, description="visitor turns to wait before asking again")
    source: str | None = Field(None, description="lead source; default derived from the channel")


class CollectLead:
    name: ClassVar[str] = "collect_lead"
    Config: ClassVar[type[BaseModel]] = CollectLeadConfig

    def __init__(self, config: BaseModel) -> None:
        assert isinstance(config, CollectLeadConfig)
        self.config = config

    def run(self, ctx: SkillContext) -> SkillResult:
        cfg, mem, ex = self.config, ctx.memory, ctx.extraction
        result = SkillResult()
        turn = mem.get("turn", 0) + 1
        mem["turn"] = turn
        email = ctx.contact.email or ex.contact.email
        # Count only the questions that were actually shown (one question wins each reply).
        if ctx.last_question == f"{self.name}:email":
            mem["email_asks"], mem["email_asked_turn"] = mem.get("email_asks", 0) + 1, turn - 1
        elif ctx.last_question == f"{self.name}:consent":
            mem["consent_asks"] = mem.get("consent_asks", 0) + 1

        # An answer to the consent question asked in the previous reply.
        if ctx.last_question == f"{self.name}:consent" and ex.last_affirmation is not None:
            mem["consent"] = ex.last_affirmation
            result.decisions.append(RecordConsent(granted=ex.last_affirmation, text=cfg.consent_text))
            result.say.append(Say("Thank you, noted." if ex.last_affirmation else
                                  "Understood: we won't use your details for follow-up."))

        if ex.intent and email and ctx.lead is None:
            result.decisions.append(CaptureLead(source=cfg.source or CHANNEL_SOURCE.get(ctx.channel, "other")))
            ctx.emit("lead.captured", {"intent": [s.kind for s in ex.intent_signals]})
            result.say.append(Say("Thanks, I've passed your details to our team."))

        if not ex.intent:
            return result
        if not email:
            asked, last = mem.get("email_asks", 0), mem.get("email_asked_turn", -99)
            if asked < cfg.max_email_asks and (asked == 0 or turn - last >= cfg.turns_between_asks):
                first = ex.contact.name.split()[0] if ex.contact.name else None
                lead_in = f"{first}, what's" if first else "What's"
                result.say.append(Say(f"{lead_in} the best email for our team to reach you?", question=True,
                                      priority=40, key="email"))
        elif cfg.ask_consent and ctx.contact.consent is None and "consent" not in mem and mem.get(
            "consent_asks", 0
        ) < cfg.max_email_asks:
            result.say.append(Say(cfg.consent_text, question=True, priority=45, key="consent"))
        return result
