"""Pure scheduling logic for `demo_scheduler`: free slots from working hours and busy intervals,
a spread-out pick of a few of them, and the visitor-friendly label.

Everything here is a plain function of its inputs (no clock, no I/O) so it is easy to test. Times
go in and out as timezone-aware UTC datetimes; working hours are wall-clock times in the workspace
timezone, converted with zoneinfo per day so a DST change shifts the UTC instants, not the hours.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Two offered slots on the same day should be at least this far apart ("spread sensibly").
SAME_DAY_GAP = timedelta(hours=2)


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # timezone-aware UTC
    end: datetime

    def to_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Slot:
        return cls(_utc(datetime.fromisoformat(data["start"])), _utc(datetime.fromisoformat(data["end"])))


def _utc(dt: datetime) -> datetime:
    # Calendar feeds are UTC by contract; a naive value is read as UTC rather than crashing a turn.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def local_wall(d: date, t: time, tz: ZoneInfo) -> datetime | None:
    """The aware instant of wall-clock time `t` on day `d`, or None when it does not exist
    (skipped by a spring-forward change). An ambiguous fall-back time takes its first occurrence."""
    naive = datetime.combine(d, t)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return aware


class BusyIndex:
    """Busy intervals, each widened by the buffer, merged and sorted for O(log n) conflict checks."""

    def __init__(self, intervals: Iterable[tuple[datetime, datetime]], buffer: timedelta) -> None:
        spans = sorted((_utc(s) - buffer, _utc(e) + buffer) for s, e in intervals if _utc(e) > _utc(s))
        merged: list[tuple[datetime, datetime]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        self._starts = [s for s, _ in merged]
        self._spans = merged

    def conflicts(self, start: datetime, end: datetime) -> bool:
        # The only candidate is the last widened span starting before `end`; merged spans are disjoint.
        i = bisect.bisect_left(self._starts, end) - 1
        return i >= 0 and self._spans[i][1] > start


@dataclass(frozen=True)
class Availability:
    """When demos can happen: the workspace's working week in its own timezone."""

    tz: ZoneInfo
    working_days: frozenset[int]  # 0 = Monday
    day_start: time
    day_end: time
    slot: timedelta
    buffer: timedelta
    min_notice: timedelta
    horizon: timedelta  # how far ahead of now slots are offered

    @property
    def step(self) -> timedelta:
        # Half-hour starts read naturally; odd lengths (45, 20 min) fall back to a finer common grid.
        return timedelta(minutes=math.gcd(int(self.slot.total_seconds() // 60), 30))

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """The UTC range whose busy intervals matter for slots offered at `now`."""
        now = _utc(now)
        return now + self.min_notice - self.buffer - self.slot, now + self.horizon + self.buffer + self.slot

    def _day_starts(self, d: date) -> tuple[datetime, ...]:
        return _day_starts(self, d)

    def candidates(self, now: datetime, busy: BusyIndex, *, on: date | None = None) -> list[Slot]:
        """Every free slot between now + min notice and now + horizon (optionally on one local day)."""
        now = _utc(now)
        earliest, latest = now + self.min_notice, now + self.horizon
        first = earliest.astimezone(self.tz).date()
        last = latest.astimezone(self.tz).date()
        days = [on] if on is not None else [first + timedelta(days=i) for i in range((last - first).days + 1)]
        out: list[Slot] = []
        for d in days:
            for start in self._day_starts(d):
                end = start + self.slot
                if earliest <= start <= latest and not busy.conflicts(start, end):
                    out.append(Slot(start, end))
        return out

    def problem(self, start: datetime, now: datetime, busy: BusyIndex) -> str | None:
        """Why a slot starting at `start` cannot be booked now, or None when it can."""
        start, now = _utc(start), _utc(now)
        local = start.astimezone(self.tz)
        if start < now:
            return "passed"
        if start < now + self.min_notice:
            return "too_soon"
        if start > now + self.horizon:
            return "too_far"
        if local.weekday() not in self.working_days:
            return "closed_day"
        wall_end = datetime.combine(local.date(), local.time()) + self.slot
        if local.time() < self.day_start or wall_end > datetime.combine(local.date(), self.day_end):
            return "outside_hours"
        if busy.conflicts(start, start + self.slot):
            return "taken"
        return None


@lru_cache(maxsize=4096)
def _day_starts(av: Availability, d: date) -> tuple[datetime, ...]:
    """The UTC start of every slot of one working day. Kept per (availability, day): every offer
    walks the next weeks' days, and the zoneinfo conversions of each half hour were most of a
    demo offer's time. A day's wall-clock hours map to the same instants whenever asked."""
    if d.weekday() not in av.working_days:
        return ()
    out: list[datetime] = []
    step = av.step
    wall = datetime.combine(d, av.day_start)
    last = datetime.combine(d, av.day_end) - av.slot
    while wall <= last:  # wall-clock arithmetic: "09:00-17:00" stays 09:00-17:00 across DST
        at = local_wall(d, wall.time(), av.tz)
        if at is not None:
            out.append(at.astimezone(UTC))
        wall += step
    return tuple(out)


def pick_spread(candidates: Sequence[Slot], n: int, tz: ZoneInfo, avoid: Iterable[Slot] = (),
                keep: Sequence[Slot] = ()) -> list[Slot]:
    """Choose `n` slots that give the visitor a real choice: the soonest one first, then one per
    following day alternating morning and afternoon; several on one day only when days run out.
    `avoid` holds slots the visitor already turned down: never repeated, and their days come last.
    `keep` are slots already chosen (an offer being topped up); they count towards `n`."""
    avoided = list(avoid)
    avoided_starts = {s.start for s in avoided}
    pool = sorted(c for c in candidates if c.start not in avoided_starts and c not in keep)
    # Work on indices with the local day and minute of day computed once per slot: zoneinfo
    # conversions and dataclass hashing dominate otherwise. Kept slots come first, then the pool.
    slots = [*keep, *pool]
    local = [s.start.astimezone(tz) for s in slots]
    day = [dt.date() for dt in local]
    minute = [dt.hour * 60 + dt.minute for dt in local]
    avoided_days = {s.start.astimezone(tz).date() for s in avoided}
    avoided_minute = [(dt.hour * 60 + dt.minute) for dt in (s.start.astimezone(tz) for s in avoided[:1])]
    chosen: list[int] = list(range(len(keep)))

    def apart(i: int, gap: timedelta) -> bool:
        s = slots[i]
        return all(abs(s.start - slots[c].start) >= gap and (s.end <= slots[c].start or s.start >= slots[c].end)
                   for c in chosen)

    passes = (
        lambda i, used: day[i] not in used and day[i] not in avoided_days,
        lambda i, used: day[i] not in used,
        lambda i, used: apart(i, SAME_DAY_GAP),
        lambda i, used: apart(i, timedelta(0)),
    )
    for eligible_if in passes:
        while len(chosen) < n:
            used = {day[c] for c in chosen}
            taken = set(chosen)
            eligible = [i for i in range(len(keep), len(slots)) if i not in taken and eligible_if(i, used)]
            if not eligible:
                break
            same_day = [i for i in eligible if day[i] == day[eligible[0]]]
            ref = minute[chosen[-1]] if chosen else (avoided_minute[0] if avoided_minute else None)
            if ref is None:
                pick = same_day[0]  # the soonest slot: a hot lead should be able to talk today
            else:
                # Alternate halves of the day so a visitor busy every morning still has an option.
                target = 14 * 60 if ref < 12 * 60 else 10 * 60
                pick = min(same_day, key=lambda i: (abs(minute[i] - target), i))
            chosen.append(pick)
    return sorted(slots[i] for i in chosen)


def format_slot(slot: Slot, tz: ZoneInfo, tz_name: str) -> str:
    """'Tue 24 Nov, 3:00 PM (America/New_York)': fixed English names, independent of the locale."""
    local = slot.start.astimezone(tz)
    hour12 = local.hour % 12 or 12
    ampm = "AM" if local.hour < 12 else "PM"
    return (f"{WEEKDAY_ABBR[local.weekday()]} {local.day} {MONTH_ABBR[local.month - 1]}, "
            f"{hour12}:{local.minute:02d} {ampm} ({tz_name})")
