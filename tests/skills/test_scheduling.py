"""Pure scheduling logic: free slots, spread, DST, labels, and reading the visitor's choice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from skills.scheduling import Availability, BusyIndex, Slot, format_slot, pick_spread
from skills.scheduling_choice import (
    Ambiguous,
    DayRequested,
    Declined,
    NoAnswer,
    Picked,
    Proposed,
    Rejected,
    parse_answer,
    resolve,
)

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
MON_9_NY = datetime(2026, 11, 23, 9, tzinfo=NY)  # Monday 23 Nov 2026, 09:00 in New York (EST)


def availability(tz: ZoneInfo = NY, *, days: str = "mon tue wed thu fri", hours: tuple[str, str] = ("09:00", "17:00"),
                 slot: int = 30, buffer: int = 15, notice_h: float = 4, ahead: int = 14) -> Availability:
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return Availability(
        tz=tz, working_days=frozenset(names.index(d) for d in days.split()),
        day_start=time.fromisoformat(hours[0]), day_end=time.fromisoformat(hours[1]),
        slot=timedelta(minutes=slot), buffer=timedelta(minutes=buffer),
        min_notice=timedelta(hours=notice_h), horizon=timedelta(days=ahead),
    )


def local(y: int, m: int, d: int, h: int, mi: int = 0, tz: ZoneInfo = NY) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=tz)


def slot_at(y: int, m: int, d: int, h: int, mi: int = 0, tz: ZoneInfo = NY, minutes: int = 30) -> Slot:
    start = local(y, m, d, h, mi, tz).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=minutes))


NO_BUSY = BusyIndex([], timedelta(0))


# --- slot generation ---------------------------------------------------------------------------
def test_slots_stay_inside_working_hours_in_the_workspace_timezone() -> None:
    av = availability(notice_h=0, ahead=2)
    slots = av.candidates(MON_9_NY, NO_BUSY, on=date(2026, 11, 24))
    starts = [s.start.astimezone(NY).strftime("%H:%M") for s in slots]
    assert starts[0] == "09:00" and starts[-1] == "16:30" and len(starts) == 16
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert all(s.start.tzinfo is UTC for s in slots)  # stored and compared in UTC


def test_weekends_are_skipped() -> None:
    fri = local(2026, 11, 27, 12)
    days = {s.start.astimezone(NY).date() for s in availability(ahead=4).candidates(fri, NO_BUSY)}
    assert date(2026, 11, 28) not in days and date(2026, 11, 29) not in days
    assert date(2026, 11, 30) in days


def test_buffer_keeps_space_around_existing_bookings() -> None:
    booking = (local(2026, 11, 24, 10).astimezone(UTC), local(2026, 11, 24, 10, 30).astimezone(UTC))
    av = availability(notice_h=0)
    busy = BusyIndex([booking], av.buffer)
    starts = {s.start.astimezone(NY).strftime("%H:%M") for s in av.candidates(MON_9_NY, busy, on=date(2026, 11, 24))}
    assert {"09:00", "11:00"} <= starts
    assert not {"09:30", "10:00", "10:30"} & starts  # 09:30-10:00 ends inside the 15-minute buffer


def test_min_notice_counts_from_now() -> None:
    now = local(2026, 11, 23, 10, 10)
    first = availability(notice_h=4).candidates(now, NO_BUSY)[0]
    assert first.start.astimezone(NY) == local(2026, 11, 23, 14, 30)


def test_horizon_limits_how_far_ahead() -> None:
    slots = availability(ahead=3, notice_h=0).candidates(MON_9_NY, NO_BUSY)
    assert max(s.start for s in slots) <= MON_9_NY + timedelta(days=3)


def test_us_dst_end_keeps_wall_clock_hours() -> None:
    # New York leaves daylight time on Sunday 1 Nov 2026: 09:00 is 13:00 UTC before, 14:00 UTC after.
    av = availability(notice_h=0, ahead=5)
    slots = av.candidates(local(2026, 10, 30, 8), NO_BUSY)
    fri = next(s for s in slots if s.start.astimezone(NY).date() == date(2026, 10, 30))
    mon = next(s for s in slots if s.start.astimezone(NY).date() == date(2026, 11, 2))
    assert fri.start == datetime(2026, 10, 30, 13, tzinfo=UTC)
    assert mon.start == datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert format_slot(mon, NY, "America/New_York") == "Mon 2 Nov, 9:00 AM (America/New_York)"


def test_european_dst_start_keeps_wall_clock_hours() -> None:
    # Berlin moves to summer time on Sunday 29 Mar 2026: 09:00 is 08:00 UTC before, 07:00 UTC after.
    av = availability(BERLIN, notice_h=0, ahead=5)
    slots = av.candidates(datetime(2026, 3, 27, 6, tzinfo=UTC), NO_BUSY)
    fri = next(s for s in slots if s.start.astimezone(BERLIN).date() == date(2026, 3, 27))
    mon = next(s for s in slots if s.start.astimezone(BERLIN).date() == date(2026, 3, 30))
    assert (fri.start.hour, mon.start.hour) == (8, 7)


def test_skipped_and_repeated_hours_on_dst_days() -> None:
    av = availability(days="sun", hours=("00:00", "06:00"), notice_h=0, ahead=1)
    spring = av.candidates(datetime(2026, 3, 8, 0, tzinfo=UTC), NO_BUSY, on=date(2026, 3, 8))
    walls = [s.start.astimezone(NY).strftime("%H:%M") for s in spring]
    assert "02:00" not in walls and "02:30" not in walls  # those wall times do not exist that night
    assert all(s.end - s.start == timedelta(minutes=30) for s in spring)
    autumn = av.candidates(datetime(2026, 11, 1, 0, tzinfo=UTC), NO_BUSY, on=date(2026, 11, 1))
    assert [s.start.astimezone(NY).strftime("%H:%M") for s in autumn].count("01:00") == 1


def test_busy_index_merges_and_reads_naive_as_utc() -> None:
    a = datetime(2026, 11, 24, 15)
    busy = BusyIndex([(a, a + timedelta(hours=1)), (a + timedelta(minutes=30), a + timedelta(hours=2))], timedelta(0))
    assert busy.conflicts(datetime(2026, 11, 24, 16, 30, tzinfo=UTC), datetime(2026, 11, 24, 17, tzinfo=UTC))
    assert not busy.conflicts(datetime(2026, 11, 24, 17, tzinfo=UTC), datetime(2026, 11, 24, 17, 30, tzinfo=UTC))


@pytest.mark.parametrize(("start", "reason"), [
    (local(2026, 11, 23, 8), "passed"),
    (local(2026, 11, 23, 11), "too_soon"),
    (local(2026, 11, 28, 10), "closed_day"),
    (local(2026, 11, 24, 16, 45), "outside_hours"),
    (local(2026, 12, 21, 10), "too_far"),
    (local(2026, 11, 24, 10, 30), "taken"),
    (local(2026, 11, 24, 11, 15), None),
])
def test_problem_explains_why_a_time_cannot_be_booked(start: datetime, reason: str | None) -> None:
    av = availability()
    busy = BusyIndex([(local(2026, 11, 24, 10), local(2026, 11, 24, 10, 30))], av.buffer)
    assert av.problem(start, MON_9_NY, busy) == reason


# --- spread ------------------------------------------------------------------------------------
def test_three_slots_on_different_days_alternating_morning_and_afternoon() -> None:
    av = availability()
    picked = pick_spread(av.candidates(MON_9_NY, NO_BUSY), 3, NY)
    walls = [s.start.astimezone(NY) for s in picked]
    assert len({w.date() for w in walls}) == 3
    assert walls[0] == local(2026, 11, 23, 13)  # the soonest slot after 4 hours' notice
    halves = [w.hour < 12 for w in walls]
    assert halves == [False, True, False]


def test_one_working_day_left_still_spreads_the_slots() -> None:
    av = availability(days="tue", notice_h=0, ahead=2)
    picked = pick_spread(av.candidates(MON_9_NY, NO_BUSY), 3, NY)
    assert len(picked) == 3
    gaps = [b.start - a.start for a, b in pairwise(picked)]
    assert all(g >= timedelta(hours=2) for g in gaps)  # never three adjacent slots on one morning


def test_turned_down_slots_are_not_repeated_and_new_days_come_first() -> None:
    av = availability()
    cands = av.candidates(MON_9_NY, NO_BUSY)
    first = pick_spread(cands, 3, NY)
    second = pick_spread(cands, 3, NY, avoid=first)
    assert not set(first) & set(second)
    assert not {s.start.astimezone(NY).date() for s in first} & {s.start.astimezone(NY).date() for s in second}


def test_keep_tops_up_an_existing_offer() -> None:
    cands = availability().candidates(MON_9_NY, NO_BUSY)
    kept = [cands[-1]]
    picked = pick_spread(cands, 3, NY, keep=kept)
    assert kept[0] in picked and len(picked) == 3


def test_label_and_json_round_trip() -> None:
    s = slot_at(2026, 11, 24, 15)
    assert format_slot(s, NY, "America/New_York") == "Tue 24 Nov, 3:00 PM (America/New_York)"
    assert format_slot(slot_at(2026, 11, 24, 12), NY, "X") == "Tue 24 Nov, 12:00 PM (X)"
    assert format_slot(slot_at(2026, 11, 24, 0, 30), NY, "X") == "Tue 24 Nov, 12:30 AM (X)"
    assert Slot.from_json(s.to_json()) == s


# --- reading the choice ------------------------------------------------------------------------
NOW = MON_9_NY.astimezone(UTC)
OFFER = [slot_at(2026, 11, 23, 14), slot_at(2026, 11, 24, 10), slot_at(2026, 11, 25, 15)]  # Mon 2pm, Tue 10am, Wed 3pm


def answer_to(text: str, *, strict: bool = False, offered: list[Slot] | None = None) -> object:
    return resolve(parse_answer(text, MON_9_NY.date()), OFFER if offered is None else offered, NY, NOW, strict=strict)


@pytest.mark.parametrize(("text", "index"), [
    ("the second one", 1), ("2", 1), ("option 3", 2), ("#1", 0), ("the first", 0), ("The last one please", 2),
    ("2 please", 1), ("let's do 2", 1), ("number two", 1),
    ("tue 10am", 1), ("Tuesday at 10", 1), ("Wednesday works", 2), ("15:00 on the 25th", 2), ("3pm", 2),
    ("the 25th", 2), ("Tue 24 Nov, 10:00 AM (America/New_York)", 1), ("Monday afternoon", 0), ("tomorrow at 10", 1),
    ("la segunda", 1), ("a primeira", 0), ("la primera, por favor", 0), ("el miércoles a las 3", 2),
    ("mañana a las 10", 1), ("terça às 10h", 1), ("na segunda às 14h", 0), ("quarta-feira às 15h", 2),
    ("el lunes por la tarde", 0),
])
def test_choices_are_matched_to_the_offer(text: str, index: int) -> None:
    assert answer_to(text) == Picked(index)


@pytest.mark.parametrize(("text", "indices"), [
    ("yes", (0, 1, 2)), ("yes that's fine", (0, 1, 2)), ("sí, claro", (0, 1, 2)), ("Monday or Tuesday?", (0, 1)),
    ("option 4", ()),
])
def test_unclear_answers_ask_for_clarification(text: str, indices: tuple[int, ...]) -> None:
    assert answer_to(text) == Ambiguous(indices)


def test_part_of_day_narrows_the_offer() -> None:
    assert answer_to("some time in the morning") == Picked(1)  # the only morning slot
    assert answer_to("wednesday afternoon") == Picked(2)


def test_a_morning_matching_two_slots_is_ambiguous() -> None:
    offered = [slot_at(2026, 11, 24, 10), slot_at(2026, 11, 25, 11), slot_at(2026, 11, 26, 15)]
    assert answer_to("morning is better", offered=offered) == Ambiguous((0, 1))
    assert answer_to("at 4pm", offered=offered) == Ambiguous(())  # a time, but which day?


def test_a_lone_yes_books_a_single_offered_slot() -> None:
    assert answer_to("sure", offered=OFFER[:1]) == Picked(0)


def test_free_time_not_offered_is_a_proposal() -> None:
    assert answer_to("Tuesday at 3pm") == Proposed(local(2026, 11, 24, 15))
    assert answer_to("el jueves a las 3") == Proposed(local(2026, 11, 26, 15))  # "3" in business hours is 3 PM
    assert answer_to("Friday at 11am works") == Proposed(local(2026, 11, 27, 11))
    assert answer_to("none of these work, how about Friday at 2pm?") == Proposed(local(2026, 11, 27, 14))


def test_a_day_without_a_time_asks_for_times_that_day() -> None:
    assert answer_to("Thursday?") == DayRequested(date(2026, 11, 26))
    assert answer_to("can we do Friday instead") == DayRequested(date(2026, 11, 27))


@pytest.mark.parametrize("text", ["none of these work", "Neither works for me", "any other times?",
                                  "ninguno me va", "nenhum desses horários serve", "I can't make those"])
def test_rejections(text: str) -> None:
    assert answer_to(text) == Rejected()


@pytest.mark.parametrize("text", ["no thanks", "Not now", "no gracias", "não, obrigado"])
def test_declining_the_demo(text: str) -> None:
    assert answer_to(text) == Declined()


@pytest.mark.parametrize("text", ["what does the demo cover?", "we have 3 people on the team", "that one",
                                  "ok, and what does it cost per seat for a team of twenty?",
                                  "the first thing we need is funnels"])
def test_unrelated_messages_are_no_answer(text: str) -> None:
    assert answer_to(text) == NoAnswer()


def test_strict_mode_needs_an_explicit_choice() -> None:
    # The visitor is not replying to the offer right now: passing mentions are not bookings.
    assert answer_to("we launch on Monday", strict=True) == NoAnswer()
    assert answer_to("2", strict=True) == NoAnswer()
    assert answer_to("no thanks", strict=True) == NoAnswer()  # may answer another question
    assert answer_to("the second one", strict=True) == Picked(1)  # only an ordinal standing alone
    assert answer_to("option 2", strict=True) == Picked(1)
    assert answer_to("Wednesday works for me", strict=True) == Picked(2)


def test_the_2nd_is_ambiguous_when_a_slot_falls_on_the_2nd() -> None:
    offered = [slot_at(2026, 11, 30, 10), slot_at(2026, 12, 1, 14), slot_at(2026, 12, 2, 10)]
    assert answer_to("the 2nd", offered=offered) == Ambiguous((1, 2))
    assert answer_to("the 1st", offered=offered) == Ambiguous((0, 1))
    assert answer_to("Wednesday the 2nd", offered=offered) == Picked(2)


def test_kept_day_starts_belong_to_their_own_availability() -> None:
    """Slot starts are kept per (availability, day): another timezone or other hours on the same
    day get their own, and asking again gives the same instants."""
    day = date(2026, 11, 24)
    ny, berlin, late = availability(NY), availability(BERLIN), availability(NY, hours=("13:00", "15:00"))
    ny_starts = ny._day_starts(day)
    assert ny_starts[0] == local(2026, 11, 24, 9).astimezone(UTC) and len(ny_starts) == 16
    assert berlin._day_starts(day)[0] == local(2026, 11, 24, 9, tz=BERLIN).astimezone(UTC)
    assert late._day_starts(day) == tuple(local(2026, 11, 24, h, m).astimezone(UTC)
                                          for h, m in ((13, 0), (13, 30), (14, 0), (14, 30)))
    assert ny._day_starts(day) == ny_starts
    assert availability(NY)._day_starts(date(2026, 11, 28)) == ()  # a Saturday
