"""demo_scheduler: offer demo slots to a lead and book the one the visitor picks (SPEC R1, P2).

When a lead asks for a demo (or becomes hot, R1) the skill offers a few concrete, spread-out
slots from the workspace calendar, numbered, as a high-priority question. The next messages are
read against that offer ("the second one", "tue 3pm", "la segunda"); a valid choice is re-checked
against the calendar and becomes a `BookDemo` decision. The agent stores the booking and moves the
lead to `demo_booked` (P2), which queues `lead.demo_booked`. The workspace's hot-lead rule (R1,
`ctx.hot_lead`) decides whether a lead reaching its threshold is offered slots at once. With
`calendly_url` set the skill only shares that link: the booking then arrives through Calendly's
webhook (leadline/calendly.py).

Memory (this skill's `ctx.memory`, JSON only; times are UTC ISO strings):
  offered          [{"start", "end"}]  the slots of the pending offer, in the order shown
  offered_at       ISO time the offer was made
  offer_shown      the visitor is known to have seen the offer (it won the reply's one question)
  declined         [{"start", "end"}]  slots the visitor turned down ("none of these work")
  confirm          index of the offered slot we asked "Shall I book …?" about ("Friday?")
  demo_signals     how many "demo" intent signals the conversation had at the last turn
  requested        a demo was asked for and not offered yet (e.g. before the lead existed)
  auto_offered     the band trigger (R1) has been used; it fires once per conversation
  opted_out        the visitor said no to a demo; only an explicit ask offers again
  booked           {"start", "end", "timezone"} once booked
  calendly_sent    the Calendly link has been shared
"""

from __future__ import annotations

import re
from datetime import UTC, date, time, timedelta
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from skills.base import BookDemo, Say, SkillContext, SkillResult
from skills.scheduling import MONTH_ABBR, WEEKDAY_ABBR, Availability, BusyIndex, Slot, format_slot, pick_spread
from skills.scheduling_choice import (
    Ambiguous,
    DayRequested,
    Declined,
    NoAnswer,
    Picked,
    Proposed,
    Rejected,
    Resolution,
    normalise,
    parse_answer,
    resolve,
)

WeekdayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_DAY_INDEX: dict[str, int] = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
OFFER_PRIORITY = 50  # above qualifying questions (10-30) and consent (45): a hot lead gets a slot first
KEY_SLOTS, KEY_CLARIFY = "slots", "clarify"
# Stages where offering another demo makes no sense (a booking exists, or the lead is closed/out).
_BOOKED_STAGES = frozenset({"demo_booked", "opportunity", "closed", "won", "lost", "closed_won", "closed_lost"})
_DEAD_STAGES = frozenset({"disqualified"})
_MAX_DECLINED = 30  # bounded memory: older turned-down slots have long passed anyway
_COUNT_WORD = {2: "two", 3: "three", 4: "four", 5: "five"}
_PROBLEM_TEXT = {
    "passed": "has already passed",
    "too_soon": "is too soon for us to prepare",
    "too_far": "is further out than we schedule",
    "closed_day": "is outside our working days",
    "outside_hours": "is outside our working hours",
    "taken": "has just been taken",
}
# Asking to meet, beyond the extractor's "demo" intent: "can we schedule a call?", "agendar una reunión".
_ASK = re.compile(
    r"\b(?:book|schedule|set\s*up|arrange|organi[sz]e|get|want|need|request|like|suggest|"
    r"agendar|agenda|agende|reservar|marcar|programar|quiero|quisiera|queria|gostaria|podemos)\b"
    r"[^.?!\n]{0,30}?\b(?:demos?|meeting|walk-?through|reunion|reuniao|llamada|chamada|videollamada|"
    r"demostracion|demonstracao|call(?!\s*(?:cent(?:er|re)s?|logs?|volumes?|tracking|data|recordings?)\b))\b"
    r"|\b(?:can|could|shall)\s+we\s+(?:meet|talk|chat|hop on)\b"
    r"|\bwhen\s+(?:are\s+you|is\s+your\s+team|can\s+we)\b[^.?!\n]{0,30}\b(?:available|free|meet|talk)\b"
    r"|\b(?:your\s+availability|disponibilidad|disponibilidade)\b"
)


class DemoSchedulerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field("UTC", description="IANA timezone of the workspace calendar, e.g. America/New_York")
    working_days: list[WeekdayName] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"], min_length=1,
        description="days demos can happen: mon ... sun (full names accepted)",
    )
    working_hours: str = Field("09:00-17:00", description="HH:MM-HH:MM in the workspace timezone")
    slot_minutes: int = Field(30, ge=10, le=240, description="length of a demo")
    buffer_minutes: int = Field(15, ge=0, le=240, description="free time kept around existing bookings")
    min_notice_hours: float = Field(4, ge=0, le=24 * 30, description="earliest slot is this far from now")
    days_ahead: int = Field(14, ge=1, le=90, description="how far ahead slots are offered")
    slots_offered: int = Field(3, ge=1, le=5, description="how many slots one offer shows")
    calendly_url: str | None = Field(None, description="share this scheduling link instead of offering slots")
    offer_when_band: list[str] = Field(
        default_factory=lambda: ["hot"], description="score bands that get an offer without asking (R1)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {v!r}; use an IANA name such as 'Europe/Berlin'") from None
        return v

    @field_validator("working_days", mode="before")
    @classmethod
    def _day_names(cls, v: Any) -> Any:
        # Accept "Monday"/"MON" as written in a settings file; store the short form.
        if isinstance(v, list):
            return [d.strip().lower()[:3] if isinstance(d, str) else d for d in v]
        return v

    @field_validator("calendly_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"https?://[^\s/]+\S*", v.strip()):
            raise ValueError("calendly_url must be an http(s) URL, e.g. https://calendly.com/acme/demo")
        return v.strip() if v else None

    @model_validator(mode="after")
    def _hours(self) -> DemoSchedulerConfig:
        start, end = self.hours()
        if end <= start:
            raise ValueError(f"working_hours {self.working_hours!r}: the end must be after the start")
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if minutes < self.slot_minutes:
            raise ValueError(f"working_hours {self.working_hours!r} are shorter than one {self.slot_minutes}-min slot")
        return self

    def hours(self) -> tuple[time, time]:
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", self.working_hours)
        if not m:
            raise ValueError(f"working_hours {self.working_hours!r} must look like 09:00-17:00")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h2 == 24 and m2 == 0:
            h2, m2 = 23, 59  # "…-24:00": up to midnight
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"working_hours {self.working_hours!r} has an impossible time")
        return time(h1, m1), time(h2, m2)


class DemoScheduler:
    name: ClassVar[str] = "demo_scheduler"
    Config: ClassVar[type[BaseModel]] = DemoSchedulerConfig

    def __init__(self, config: BaseModel) -> None:
        assert isinstance(config, DemoSchedulerConfig)
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        start, end = config.hours()
        self.availability = Availability(
            tz=self.tz,
            working_days=frozenset(_DAY_INDEX[d] for d in config.working_days),
            day_start=start,
            day_end=end,
            slot=timedelta(minutes=config.slot_minutes),
            buffer=timedelta(minutes=config.buffer_minutes),
            min_notice=timedelta(hours=config.min_notice_hours),
            horizon=timedelta(days=config.days_ahead),
        )

    # -- the turn ----------------------------------------------------------------------------
    def run(self, ctx: SkillContext) -> SkillResult:
        mem, result = ctx.memory, SkillResult()
        asked = self._new_request(ctx)
        if asked:
            mem["requested"] = True
            mem.pop("opted_out", None)
        lead = ctx.lead
        if lead is None or lead.stage in _DEAD_STAGES:
            return result  # a request made now is remembered and answered once the lead exists

        if mem.get("booked") or lead.stage in _BOOKED_STAGES:
            mem.pop("requested", None)
            if asked:
                booked = mem.get("booked")
                when = f" for {self._label(Slot.from_json(booked))}" if booked else ""
                result.say.append(Say(f"You already have a demo booked with us{when}."))
            return result

        if self.config.calendly_url:
            return self._calendly(ctx, result, asked)

        offered = [Slot.from_json(s) for s in mem.get("offered", [])]
        if offered:
            if not mem.get("offer_shown") and not self._offer_was_shown(ctx, offered):
                # Another skill's question won the last reply: the visitor never saw the slots.
                return self._offer(ctx, result, "Would you like to book a demo?")
            mem["offer_shown"] = True
            resolution = self._read_answer(ctx, offered)
            if not isinstance(resolution, NoAnswer):
                return self._apply(ctx, result, resolution, offered)
            if mem.pop("requested", False):
                return self._offer(ctx, result, "Happy to set up a demo.", keep=offered)
            if all(s.start < ctx.now + self.availability.min_notice for s in offered):
                return self._offer(ctx, result, "The times I suggested are no longer available.")  # stale offer
            return result

        if mem.get("requested") or self._band_triggers(ctx):
            mem["auto_offered"] = True
            if asked:  # "can we book a demo on Friday at 2pm?" names the time already
                answer = parse_answer(ctx.text, ctx.now.astimezone(self.tz).date())
                if answer.has_day:
                    resolution = resolve(answer, [], self.tz, ctx.now, strict=False)
                    if isinstance(resolution, Proposed | DayRequested):
                        return self._apply(ctx, result, resolution, [])
            intro = "Happy to set up a demo." if mem.get("requested") else \
                "It sounds like a quick demo with our team would be a good next step."
            return self._offer(ctx, result, intro)
        return result

    # -- triggers ------------------------------------------------------------------------------
    def _new_request(self, ctx: SkillContext) -> bool:
        """The visitor asked for a demo in THIS message. Intent signals accumulate over the whole
        conversation, so only a growing count (or an explicit ask in the text) is new."""
        mem = ctx.memory
        count = sum(1 for s in ctx.extraction.intent_signals if s.kind == "demo")
        seen = mem.get("demo_signals", 0)
        mem["demo_signals"] = count
        return count > seen or bool(_ASK.search(normalise(ctx.text)))

    def _band_triggers(self, ctx: SkillContext) -> bool:
        mem, bands = ctx.memory, set(self.config.offer_when_band)
        rule = ctx.hot_lead
        if rule is None:
            hot, threshold = "hot" in bands, ctx.rubric.hot_threshold
        else:  # the workspace's hot-lead rule decides the hot offer (SPEC R1); other bands stay
            bands.discard("hot")
            hot, threshold = rule.routing()["offer_demo"], rule.threshold_for(ctx.rubric)
        if not (bands or hot) or mem.get("auto_offered") or mem.get("opted_out") or ctx.lead is None:
            return False
        if ctx.lead.band in bands or (hot and (ctx.lead.score or 0) >= threshold):
            return True
        # The stored score may lag a turn behind the qualifier's new one; R1 wants the slot at once,
        # so read the current score from the same rubric (scores are code, not opinion: rule 6).
        card = ctx.score()
        return card.band in bands or (hot and card.score >= threshold)

    def _offer_was_shown(self, ctx: SkillContext, offered: list[Slot]) -> bool:
        if ctx.last_question is not None:
            return ctx.last_question in (self._key(KEY_SLOTS), self._key(KEY_CLARIFY))
        # No question reported: trust the reply's text when there is one.
        return ctx.previous_agent_text is None or self._label(offered[0]) in ctx.previous_agent_text

    def _read_answer(self, ctx: SkillContext, offered: list[Slot]) -> Resolution:
        # Replying to our offer right now (not just chatting while one is pending)? The same test as
        # `_offer_was_shown`, but for the last reply only.
        responding = self._offer_was_shown(ctx, offered)
        answer = parse_answer(ctx.text, ctx.now.astimezone(self.tz).date())
        # The extractor's yes/no covers phrasings our patterns miss ("sounds great, go ahead").
        answer.affirm = answer.affirm or (responding and ctx.extraction.last_affirmation is True)
        if not answer.says_anything:
            return NoAnswer()  # the fast path for ordinary messages
        confirm = ctx.memory.pop("confirm", None)  # "Shall I book 2. …?" asked last turn
        if confirm is not None and responding and answer.affirm and confirm < len(offered):
            return Picked(confirm)
        return resolve(answer, offered, self.tz, ctx.now, strict=not responding)

    # -- answers -------------------------------------------------------------------------------
    def _apply(self, ctx: SkillContext, result: SkillResult, res: Resolution, offered: list[Slot]) -> SkillResult:
        mem = ctx.memory
        if isinstance(res, Picked):
            return self._book(ctx, result, offered[res.index], offered)
        if isinstance(res, Proposed):
            start = res.start.astimezone(UTC)
            return self._book(ctx, result, Slot(start, start + self.availability.slot), offered)
        if isinstance(res, DayRequested):
            return self._offer(ctx, result, "", on=res.on)
        if isinstance(res, Rejected):
            self._decline(mem, offered)
            return self._offer(ctx, result, "No problem.", others=True)
        if isinstance(res, Declined):
            for k in ("offered", "offered_at", "offer_shown", "requested", "confirm"):
                mem.pop(k, None)
            mem["opted_out"] = True
            result.say.append(Say("No problem. If you'd like a demo later, just let me know."))
            return result
        assert isinstance(res, Ambiguous)
        if len(res.indices) == 1:
            (i,) = res.indices
            mem["confirm"] = i
            text = f"Shall I book {i + 1}. {self._label(offered[i])} for you? Reply yes, or pick another time."
        elif res.indices:
            labels = [f"{i + 1}. {self._label(offered[i])}" for i in res.indices]
            options = ", ".join(labels[:-1]) + f" or {labels[-1]}"
            text = f"Just to check, which one do you mean: {options}? Reply with the number."
        else:
            numbers = ", ".join(str(i) for i in range(1, len(offered))) + f" or {len(offered)}"
            pick = f"with {numbers}" if len(offered) > 1 else "yes"
            text = (f"Sorry, I didn't catch which time suits you. Reply {pick}, "
                    "or tell me a day and time that works better.")
        result.say.append(Say(text, question=True, priority=OFFER_PRIORITY, key=KEY_CLARIFY))
        return result

    def _book(self, ctx: SkillContext, result: SkillResult, slot: Slot, offered: list[Slot]) -> SkillResult:
        av, mem = self.availability, ctx.memory
        # Re-check against the calendar now: someone else may have taken the slot since the offer.
        busy = BusyIndex(ctx.busy(slot.start - av.buffer, slot.end + av.buffer), av.buffer)
        problem = av.problem(slot.start, ctx.now, busy)
        if problem is not None:
            if slot in offered:
                self._decline(mem, [slot])
            sorry = f"Sorry, {self._label(slot)} {_PROBLEM_TEXT[problem]}."
            if problem in ("taken", "too_soon", "outside_hours"):  # the day itself may still suit
                return self._offer(ctx, result, sorry, on=slot.start.astimezone(self.tz).date())
            return self._offer(ctx, result, sorry, others=True)
        tz_name = self.config.timezone
        # The agent stores it and moves the lead, which queues `lead.demo_booked` with the slot (once).
        result.decisions.append(BookDemo(start=slot.start, end=slot.end, timezone=tz_name))
        for k in ("offered", "offered_at", "offer_shown", "requested", "declined", "confirm"):
            mem.pop(k, None)
        mem["booked"] = {**slot.to_json(), "timezone": tz_name}
        result.say.append(Say(f"Great, your demo is booked for {self._label(slot)}. We look forward to talking!"))
        return result

    # -- offers --------------------------------------------------------------------------------
    def _offer(self, ctx: SkillContext, result: SkillResult, intro: str, *, keep: list[Slot] | None = None,
               others: bool = False, on: date | None = None, avoid: list[Slot] | None = None) -> SkillResult:
        av, mem, n = self.availability, ctx.memory, self.config.slots_offered
        busy = BusyIndex(ctx.busy(*av.window(ctx.now)), av.buffer)
        still_ok = [s for s in keep or [] if av.problem(s.start, ctx.now, busy) is None]
        declined = [Slot.from_json(s) for s in mem.get("declined", [])] + (avoid or [])
        slots = pick_spread(av.candidates(ctx.now, busy, on=on), n, self.tz, avoid=declined, keep=still_ok)
        if not slots and on is not None:
            # The visitor wanted that day, so the slots already offered are not what they are after.
            sorry = f"Sorry, there's nothing free on {self._day_label(on)}."
            current = [Slot.from_json(s) for s in mem.get("offered", [])]
            return self._offer(ctx, result, f"{intro} {sorry}".strip(), others=True, avoid=current)
        if not slots:
            for k in ("offered", "offered_at", "offer_shown", "requested"):
                mem.pop(k, None)
            result.say.append(Say(f"{intro} I couldn't find an open time in the next {self.config.days_ahead} days, "
                                  "so someone from our team will reach out to arrange one."))
            return result
        mem.pop("requested", None)
        mem.pop("confirm", None)
        mem["offered"] = [s.to_json() for s in slots]
        mem["offered_at"] = ctx.now.isoformat()
        mem["offer_shown"] = False
        lines = "\n".join(f"{i}. {self._label(s)}" for i, s in enumerate(slots, 1))
        if len(slots) == 1:
            head = f"Here is {'another' if others else 'a'} time"
        else:
            head = "Here are some other times" if others else f"Here are {_COUNT_WORD[len(slots)]} times"
        head += f" for a {self.config.slot_minutes}-minute demo"
        head += f" on {self._day_label(on)}" if on is not None else ""
        ask = "Reply with the number that suits you" if len(slots) > 1 else "Does that work for you? Reply yes"
        text = f"{intro} {head}:\n{lines}\n{ask}, or suggest another time.".strip()
        result.say.append(Say(text, question=True, priority=OFFER_PRIORITY, key=KEY_SLOTS))
        return result

    def _calendly(self, ctx: SkillContext, result: SkillResult, asked: bool) -> SkillResult:
        """Share the link once (again only when asked again); Calendly's webhook reports the booking."""
        mem = ctx.memory
        if not (mem.get("requested") or self._band_triggers(ctx)):
            return result
        mem["auto_offered"] = True
        mem.pop("requested", None)
        if mem.get("calendly_sent") and not asked:
            return result
        mem["calendly_sent"] = True
        result.say.append(Say(f"You can pick a time for a demo that suits you here: {self.config.calendly_url}"))
        return result

    # -- helpers -------------------------------------------------------------------------------
    def _decline(self, mem: dict[str, Any], slots: list[Slot]) -> None:
        known = mem.get("declined", [])
        new = [s.to_json() for s in slots if s.to_json() not in known]
        mem["declined"] = (known + new)[-_MAX_DECLINED:]

    def _key(self, key: str) -> str:
        return f"{self.name}:{key}"

    def _label(self, slot: Slot) -> str:
        return format_slot(slot, self.tz, self.config.timezone)

    def _day_label(self, d: date) -> str:
        return f"{WEEKDAY_ABBR[d.weekday()]} {d.day} {MONTH_ABBR[d.month - 1]}"
