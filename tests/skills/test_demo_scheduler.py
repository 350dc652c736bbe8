"""demo_scheduler as the agent drives it: one SkillContext per visitor turn, memory carried over."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from agent.extraction.base import Evidence, Extraction, IntentSignal, Signal
from skills.base import BookDemo, ContactView, HotLeadRule, LeadView, Say, SkillContext, SkillResult
from skills.demo_scheduler import DemoScheduler, DemoSchedulerConfig
from skills.rubric import load_rubric

NY = ZoneInfo("America/New_York")
TZ = "America/New_York"
NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 23 Nov 2026, 09:00 in New York
SLOTS_Q = "demo_scheduler:slots"


@dataclass
class Calendar:
    """The workspace calendar behind ctx.busy: existing bookings, and every query made."""

    bookings: list[tuple[datetime, datetime]] = field(default_factory=list)
    calls: list[tuple[datetime, datetime]] = field(default_factory=list)

    def busy(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        self.calls.append((start, end))
        return [(s, e) for s, e in self.bookings if s < end and e > start]

    def book_local(self, y: int, m: int, d: int, h: int, mi: int = 0, minutes: int = 30) -> None:
        s = datetime(y, m, d, h, mi, tzinfo=NY).astimezone(UTC)
        self.bookings.append((s, s + timedelta(minutes=minutes)))


@dataclass
class Conversation:
    """Feeds turns to the skill the way the agent does: same memory, previous question reported."""

    skill: DemoScheduler
    lead: LeadView | None = field(default_factory=lambda: LeadView("lead_1", "qualified", 55, "lukewarm"))
    calendar: Calendar = field(default_factory=Calendar)
    memory: dict[str, Any] = field(default_factory=dict)
    demo_asks: int = 0
    evidence: dict[Signal, list[Evidence]] = field(default_factory=dict)
    last_question: str | None = None
    previous_agent_text: str | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    hot_lead: HotLeadRule | None = None

    def turn(self, text: str, *, now: datetime = NOW, demo: bool = False,
             question_won_by: str | None = None) -> SkillResult:
        if demo:
            self.demo_asks += 1
        signals = [IntentSignal(kind="demo", quote="demo") for _ in range(self.demo_asks)]
        ctx = SkillContext(
            workspace_id="ws_1", conversation_id="cv_1", channel="widget", now=now, text=text,
            previous_agent_text=self.previous_agent_text,
            extraction=Extraction(intent=bool(signals), intent_signals=signals, evidence=self.evidence),
            contact=ContactView("ct_1", "Jess Morgan", "jess@tally.io", None, "Tally", True),
            lead=self.lead, rubric=load_rubric("bant"), memory=self.memory, busy=self.calendar.busy,
            last_question=self.last_question, hot_lead=self.hot_lead,
        )
        result = self.skill.run(ctx)
        json.dumps(self.memory)  # the agent persists memory as JSON
        self.events += ctx._events
        # What the agent does with the reply: one question wins, its key is reported next turn.
        questions = [s for s in result.say if s.question]
        best = max(questions, key=lambda s: s.priority, default=None)
        if question_won_by is not None:
            self.last_question, best = question_won_by, None
        else:
            self.last_question = f"demo_scheduler:{best.key}" if best else None
        self.previous_agent_text = "\n".join(s.text for s in result.say if not s.question or s is best) or None
        return result


def scheduler(**config: Any) -> DemoScheduler:
    return DemoScheduler(DemoSchedulerConfig(**{"timezone": TZ, **config}))


def offer_of(result: SkillResult) -> Say:
    [say] = [s for s in result.say if s.question and s.key == "slots"]
    return say


def offered_lines(result: SkillResult) -> list[str]:
    return [line for line in offer_of(result).text.splitlines() if line[:2] in ("1.", "2.", "3.")]


def strong(signal: Signal) -> Evidence:
    return Evidence(signal=signal, quote="quote", grade="strong")


# --- when to offer -------------------------------------------------------------------------------
def test_a_demo_request_gets_three_numbered_slots_as_a_high_priority_question() -> None:
    conv = Conversation(scheduler())
    result = conv.turn("Hi, can I book a demo?", demo=True)
    offer = offer_of(result)
    assert offer.question and offer.priority == 50
    assert offered_lines(result) == [
        "1. Mon 23 Nov, 1:00 PM (America/New_York)",  # the soonest after 4 hours' notice
        "2. Tue 24 Nov, 10:00 AM (America/New_York)",
        "3. Wed 25 Nov, 2:00 PM (America/New_York)",
    ]
    assert conv.memory["offered"][1] == {"start": "2026-11-24T15:00:00+00:00", "end": "2026-11-24T15:30:00+00:00"}
    assert not result.decisions and not conv.events


def test_asking_to_schedule_a_call_counts_as_a_request() -> None:
    conv = Conversation(scheduler())
    assert offered_lines(conv.turn("Could we schedule a quick call this week?"))
    conv2 = Conversation(scheduler())
    assert offered_lines(conv2.turn("¿Podemos agendar una reunión?"))


def test_nothing_is_offered_before_the_lead_exists_but_the_request_is_kept() -> None:
    conv = Conversation(scheduler(), lead=None)
    assert conv.turn("I'd like a demo", demo=True).say == []
    assert conv.calendar.calls == []
    conv.lead = LeadView("lead_1", "new", None, None)
    assert offered_lines(conv.turn("jess@tally.io"))


def test_a_hot_lead_is_offered_a_slot_without_asking_once() -> None:
    conv = Conversation(scheduler(), lead=LeadView("lead_1", "qualified", 86, "hot"))
    result = conv.turn("We have budget approved and I sign off.")
    assert len(offered_lines(result)) == 3
    assert "next step" in offer_of(result).text
    assert conv.turn("Our onboarding funnel leaks at step 3.").say == []  # no re-offer loop
    assert conv.turn("Anything else you need?").say == []


def test_the_current_score_triggers_the_offer_before_the_stored_band_catches_up() -> None:
    conv = Conversation(scheduler(), lead=LeadView("lead_1", "new", 40, "lukewarm"))
    conv.evidence = {sig: [strong(sig)] for sig in Signal}  # the qualifier scores this 100 now
    assert offered_lines(conv.turn("we'd like it live next month"))


def test_the_hot_lead_rule_decides_the_immediate_offer() -> None:
    warm = LeadView("lead_1", "qualified", 65, "warm")
    hot = LeadView("lead_1", "qualified", 86, "hot")
    assert offered_lines(Conversation(scheduler(), lead=warm, hot_lead=HotLeadRule(threshold=60)).turn("ok"))
    assert Conversation(scheduler(), lead=hot, hot_lead=HotLeadRule(offer_demo=False)).turn("ok").say == []
    assert Conversation(scheduler(), lead=hot, hot_lead=HotLeadRule(enabled=False)).turn("ok").say == []
    # Asking still gets slots whatever the rule says.
    asked = Conversation(scheduler(), lead=hot, hot_lead=HotLeadRule(offer_demo=False))
    assert offered_lines(asked.turn("can we book a demo?", demo=True))


def test_warm_leads_are_not_offered_unless_configured() -> None:
    warm = LeadView("lead_1", "qualified", 65, "warm")
    assert Conversation(scheduler(), lead=warm).turn("ok").say == []
    assert offered_lines(Conversation(scheduler(offer_when_band=["hot", "warm"]), lead=warm).turn("ok"))


def test_the_intent_signal_from_an_earlier_message_does_not_re_offer_every_turn() -> None:
    conv = Conversation(scheduler())
    conv.turn("can I get a demo?", demo=True)
    conv.turn("what integrations do you have?")  # the demo signal is still in the extraction
    result = conv.turn("and SSO?")
    assert result.say == [] and result.decisions == []


def test_nothing_offered_means_no_calendar_query() -> None:
    conv = Conversation(scheduler())
    for text in ("hello", "what does it cost?", "thanks"):
        assert conv.turn(text).say == []
    assert conv.calendar.calls == []


def test_an_offer_that_lost_to_another_question_is_made_again() -> None:
    conv = Conversation(scheduler())
    conv.turn("can I get a demo?", demo=True, question_won_by="collect_lead:consent")
    result = conv.turn("yes that's fine")
    assert len(offered_lines(result)) == 3


def test_asking_again_shows_the_pending_offer_again() -> None:
    conv = Conversation(scheduler())
    first = offered_lines(conv.turn("can I get a demo?", demo=True))
    conv.turn("what integrations do you have?")
    assert offered_lines(conv.turn("ok, can we book the demo now?", demo=True)) == first


def test_passed_slots_are_replaced_on_the_next_message() -> None:
    conv = Conversation(scheduler())
    first = offered_lines(conv.turn("demo please", demo=True))
    result = conv.turn("sorry, was away. still keen", now=NOW + timedelta(days=4))
    again = offered_lines(result)
    assert again and not set(again) & set(first)
    assert "no longer available" in offer_of(result).text


# --- choosing and booking ------------------------------------------------------------------------
@pytest.mark.parametrize(("answer", "index"), [
    ("the second one", 1), ("2", 1), ("#3", 2), ("tue 10am", 1), ("Wednesday works", 2), ("la segunda", 1),
    ("a primeira", 0), ("el miércoles a las 2", 2), ("14:00 on the 25th", 2),
])
def test_a_valid_choice_books_the_demo_and_emits_the_event(answer: str, index: int) -> None:
    conv = Conversation(scheduler())
    conv.turn("can we book a demo?", demo=True)
    chosen = conv.memory["offered"][index]
    result = conv.turn(answer)
    [decision] = result.decisions
    assert isinstance(decision, BookDemo)
    assert decision.start.isoformat() == chosen["start"] and decision.end.isoformat() == chosen["end"]
    assert decision.timezone == TZ and decision.start.tzinfo is not None
    # The booking's event comes from the agent's stage move (storage.leads.move_stage), not the skill.
    assert conv.events == []
    assert "booked" in result.say[0].text and not result.say[0].question
    assert conv.memory["booked"]["start"] == chosen["start"] and "offered" not in conv.memory
    # The choice was re-checked against the calendar just before booking.
    assert conv.calendar.calls[-1][0] <= decision.start and conv.calendar.calls[-1][1] >= decision.end


def test_after_booking_the_skill_stays_quiet_and_answers_a_new_request_with_the_booking() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo?", demo=True)
    conv.turn("1")
    assert conv.turn("thanks!").say == []
    result = conv.turn("can I book a demo?", demo=True)
    assert "already have a demo booked" in result.say[0].text and not result.decisions


def test_a_slot_taken_since_the_offer_is_not_booked() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    conv.calendar.book_local(2026, 11, 24, 10)  # someone else took Tue 10:00
    result = conv.turn("2")
    assert result.decisions == [] and conv.events == []
    offer = offer_of(result)
    assert offer.text.startswith("Sorry, Tue 24 Nov, 10:00 AM (America/New_York) has just been taken.")
    assert "10:00 AM" not in "".join(offered_lines(result))
    assert all("Tue 24 Nov" in line for line in offered_lines(result))  # same day, other times


def test_a_free_time_that_was_not_offered_is_booked() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    result = conv.turn("Tuesday at 3pm")
    [decision] = result.decisions
    assert decision.start == datetime(2026, 11, 24, 15, tzinfo=NY)
    assert decision.end - decision.start == timedelta(minutes=30)


def test_a_busy_time_that_was_not_offered_gets_alternatives_that_day() -> None:
    conv = Conversation(scheduler())
    conv.calendar.book_local(2026, 11, 24, 15)
    conv.turn("demo please", demo=True)
    result = conv.turn("Tuesday at 3pm")
    assert result.decisions == []
    assert "has just been taken" in offer_of(result).text
    assert all("Tue 24 Nov" in line for line in offered_lines(result))


def test_a_time_outside_working_hours_is_explained() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    result = conv.turn("Saturday at 10am works")
    assert result.decisions == [] and "outside our working days" in offer_of(result).text


def test_an_ambiguous_answer_gets_a_polite_clarification() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    result = conv.turn("yes please")
    [say] = result.say
    assert say.question and say.priority == 50 and say.key == "clarify"
    assert "1. Mon 23 Nov" in say.text and "3. Wed 25 Nov" in say.text
    # The numbers stay those of the original offer.
    assert isinstance(conv.turn("3").decisions[0], BookDemo)


def test_an_unmatched_time_asks_again() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    [say] = conv.turn("option 5").say
    assert say.key == "clarify" and "Reply with 1, 2 or 3" in say.text


def test_none_of_these_offers_three_other_slots() -> None:
    conv = Conversation(scheduler())
    first = offered_lines(conv.turn("demo please", demo=True))
    result = conv.turn("none of these work, sorry")
    other = offered_lines(result)
    assert len(other) == 3 and not {line[3:] for line in first} & {line[3:] for line in other}
    assert "other times" in offer_of(result).text


def test_naming_another_day_offers_times_on_that_day() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    result = conv.turn("Friday would be better")
    lines = offered_lines(result)
    assert lines and all("Fri 27 Nov" in line for line in lines)


def test_a_request_that_names_the_time_books_it_directly() -> None:
    conv = Conversation(scheduler())
    result = conv.turn("Can we book a demo for Thursday at 11am?", demo=True)
    [decision] = result.decisions
    assert decision.start == datetime(2026, 11, 26, 11, tzinfo=NY)


def test_no_thanks_stops_offers_until_asked_again() -> None:
    conv = Conversation(scheduler(), lead=LeadView("lead_1", "qualified", 90, "hot"))
    conv.turn("hello")
    result = conv.turn("no thanks")
    assert not result.decisions and not any(s.question for s in result.say)
    assert conv.turn("ok").say == []
    assert offered_lines(conv.turn("actually, can I book a demo?", demo=True))


def test_unrelated_messages_while_an_offer_is_pending_book_nothing() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    conv.turn("what integrations do you have?")  # the agent's next question is not ours
    conv.last_question = "sdr_lead_qualifier:timing"
    result = conv.turn("we want to launch on Monday, the first thing is funnels")
    assert result.decisions == [] and result.say == []


def test_dst_week_labels_and_booking_are_in_wall_clock_time() -> None:
    conv = Conversation(scheduler(timezone="Europe/Berlin"))
    friday = datetime(2026, 3, 27, 6, tzinfo=UTC)  # Fri 07:00 in Berlin; summer time starts on Sunday
    lines = offered_lines(conv.turn("demo?", demo=True, now=friday))
    assert lines[0] == "1. Fri 27 Mar, 11:00 AM (Europe/Berlin)"
    assert lines[1] == "2. Mon 30 Mar, 2:00 PM (Europe/Berlin)"
    [decision] = conv.turn("the second one", now=friday).decisions
    assert decision.start == datetime(2026, 3, 30, 12, tzinfo=UTC)  # 14:00 CEST is 12:00 UTC


def test_a_full_calendar_says_so_without_offering() -> None:
    conv = Conversation(scheduler(days_ahead=1))
    conv.calendar.bookings.append((NOW - timedelta(days=1), NOW + timedelta(days=3)))
    result = conv.turn("demo?", demo=True)
    [say] = result.say
    assert not say.question and "couldn't find an open time" in say.text


# --- calendly ------------------------------------------------------------------------------------
def test_calendly_mode_shares_the_link_once_and_never_books() -> None:
    conv = Conversation(scheduler(calendly_url="https://calendly.com/acme/demo"))
    result = conv.turn("can I get a demo?", demo=True)
    assert "https://calendly.com/acme/demo" in result.say[0].text
    assert result.decisions == [] and conv.events == [] and conv.calendar.calls == []
    assert conv.turn("great").say == []
    assert conv.turn("2").decisions == []
    assert "calendly.com" in conv.turn("where do I book the demo again?", demo=True).say[0].text


def test_calendly_mode_for_a_hot_lead() -> None:
    conv = Conversation(scheduler(calendly_url="https://calendly.com/acme/demo"),
                        lead=LeadView("lead_1", "qualified", 85, "hot"))
    assert "calendly.com" in conv.turn("sounds good").say[0].text
    assert conv.turn("ok").say == []


# --- config and registration ---------------------------------------------------------------------
def test_config_defaults_and_validation() -> None:
    cfg = DemoSchedulerConfig()
    assert (cfg.timezone, cfg.working_days, cfg.working_hours, cfg.slot_minutes, cfg.buffer_minutes) == (
        "UTC", ["mon", "tue", "wed", "thu", "fri"], "09:00-17:00", 30, 15)
    assert (cfg.min_notice_hours, cfg.days_ahead, cfg.calendly_url, cfg.offer_when_band) == (4, 14, None, ["hot"])
    assert DemoSchedulerConfig(working_days=["Monday", "WED"]).working_days == ["mon", "wed"]
    with pytest.raises(ValidationError, match="unknown timezone"):
        DemoSchedulerConfig(timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="end must be after the start"):
        DemoSchedulerConfig(working_hours="17:00-09:00")
    with pytest.raises(ValidationError, match="must look like"):
        DemoSchedulerConfig(working_hours="9am-5pm")
    with pytest.raises(ValidationError, match="calendly_url"):
        DemoSchedulerConfig(calendly_url="calendly.com/acme")
    with pytest.raises(ValidationError, match="Extra inputs"):
        DemoSchedulerConfig(slot_length=30)


def test_registered_as_an_entry_point() -> None:
    [ep] = [ep for ep in entry_points(group="leadline.skills") if ep.name == "demo_scheduler"]
    assert ep.load() is DemoScheduler and DemoScheduler.name == "demo_scheduler"


def test_a_day_asked_as_a_question_is_confirmed_before_booking() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    result = conv.turn("Wednesday?")
    [say] = result.say
    assert result.decisions == [] and say.key == "clarify"
    assert say.text.startswith("Shall I book 3. Wed 25 Nov, 2:00 PM (America/New_York)")
    [decision] = conv.turn("yes").decisions
    assert decision.start == datetime(2026, 11, 25, 14, tzinfo=NY)


def test_a_standalone_ordinal_still_counts_after_another_skill_asked_in_between() -> None:
    conv = Conversation(scheduler())
    conv.turn("demo please", demo=True)
    conv.turn("thanks", question_won_by="collect_lead:consent")  # the agent asked for consent meanwhile
    [decision] = conv.turn("the second one").decisions
    assert decision.start == datetime(2026, 11, 24, 10, tzinfo=NY)
