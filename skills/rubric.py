"""Rubric files: the schema (pydantic), loading, and turning evidence into levels and a score.

A rubric maps each of its dimensions onto an extraction signal (budget, authority, need, timing)
and says, in settings rather than code, what makes that evidence strong or weak: the minimum
yearly budget, the timing window in days. The score is computed here, in code, from levels:
sum over dimensions of weight x level factor, so a language model never picks a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from agent.extraction.base import Evidence, Extraction, Signal

Level = Literal["strong", "weak", "none"]
RUBRICS_PACKAGE = "skills.rubrics"
# Where a problem sits in a rubric file: ("dimensions", 2, "weight") is dimensions[2].weight.
Loc = tuple[str | int, ...]
# Validation context flag: the file parser checks cross-field consistency itself, so that every
# problem gets its own field and line instead of one combined message at the top of the file.
DEFER_CONSISTENCY = "defer_rubric_consistency"


def _not_bool(value: Any) -> Any:
    # YAML reads yes/no/on/off/true/false as booleans and pydantic would accept them as 1/0.
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "must be a number, not true/false")
    return value


_Int = Annotated[int, BeforeValidator(_not_bool)]
_Number = Annotated[float, BeforeValidator(_not_bool)]
_Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BudgetRule(_Strict):
    """Budget evidence with an amount is strong when the yearly upper end reaches the minimum."""

    min_yearly_amount: _Number = Field(
        ge=0, description="yearly amount (any currency at par) at or above which budget is strong"
    )


class TimingRule(_Strict):
    """Timing evidence with a date: strong within the first window, weak within the second."""

    strong_within_days: _Int = Field(90, ge=1, description="a deadline within this many days is strong")
    weak_within_days: _Int = Field(
        365, ge=1, description="a later deadline up to this many days is weak; beyond it, none"
    )

    @model_validator(mode="after")
    def _ordered(self) -> TimingRule:
        if self.weak_within_days < self.strong_within_days:
            raise ValueError(
                f"weak_within_days ({self.weak_within_days}) must be at least "
                f"strong_within_days ({self.strong_within_days})"
            )
        return self


class Dimension(_Strict):
    key: _Id = Field(description="stable id used in scores and exports")
    label: str = Field(description="name shown to people (dashboard, exports)")
    signal: Signal = Field(description="which extraction signal feeds this dimension")
    weight: _Int = Field(ge=0, le=100, description="points for a strong level")
    question: str = Field(min_length=3, description="what the agent asks to learn this dimension")
    description: str = Field("", description="what a strong answer looks like; for people, not scoring")
    budget: BudgetRule | None = Field(None, description="amount rule; only for signal: budget")
    timing: TimingRule | None = Field(None, description="day windows; only for signal: timing")


class Band(_Strict):
    name: _Id
    min_score: _Int = Field(ge=0, le=100, description="lowest score in this band")
    meaning: str = Field("", description="what sales does with a lead in this band")


class Rubric(_Strict):
    name: _Id = Field(description="id used by --rubric and stored with every score")
    title: str
    description: str = ""
    # Points of a level as a fraction of the dimension's weight (BANT: strong 25/25, weak 12/25).
    level_factors: dict[Literal["strong", "weak"], Annotated[_Number, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: {"strong": 1.0, "weak": 0.48}
    )
    dimensions: list[Dimension] = Field(min_length=1)
    bands: list[Band] = Field(min_length=1)
    hot_threshold: _Int = Field(80, ge=0, le=100, description="score at which a lead is hot (R1)")

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Rubric:
        if isinstance(info.context, dict) and info.context.get(DEFER_CONSISTENCY):
            return self
        issues = rubric_consistency(self)
        if issues:
            raise ValueError("; ".join(msg for _, msg in issues))
        return self

    # -- scoring ---------------------------------------------------------------------------
    def band_for(self, score: int) -> str:
        return max((b for b in self.bands if score >= b.min_score), key=lambda b: b.min_score).name

    def level_of(self, dim: Dimension, ev: Evidence) -> Level:
        """The level one piece of evidence gives a dimension: the rubric's numbers where the
        evidence carries one (an amount, a deadline), else the extractor's own grade."""
        if dim.signal is Signal.budget and ev.yearly_amount is not None:
            rule = dim.budget
            if rule is not None:
                return "strong" if ev.yearly_amount >= rule.min_yearly_amount else "weak"
        if dim.signal is Signal.timing and ev.within_days is not None:
            rule = dim.timing or TimingRule()
            if 0 <= ev.within_days <= rule.strong_within_days:
                return "strong"
            # Too far out to qualify; a date already past stays weak (late, not absent).
            return "none" if ev.within_days > rule.weak_within_days else "weak"
        return ev.grade

    def evaluate(self, extraction: Extraction, *, as_of: date | None = None,
                 said_on: Sequence[date] = ()) -> ScoreCard:
        """Score the evidence. With `as_of` (a re-score), timing evidence ages: a deadline said on
        `said_on[message_index]` is that many days nearer, so "next month" said 60 days ago has
        passed and no longer counts as within the window (SPEC S6)."""
        results: dict[str, DimensionResult] = {}
        for dim in self.dimensions:
            candidates = extraction.evidence.get(dim.signal, [])
            if as_of is not None and dim.signal is Signal.timing:
                candidates = [_aged(ev, as_of, said_on) for ev in candidates]
            level, chosen = _pick(self, dim, candidates)
            factor = self.level_factors.get(level, 0.0) if level != "none" else 0.0
            results[dim.key] = DimensionResult(
                key=dim.key,
                label=dim.label,
                level=level,
                points=round(dim.weight * factor),
                evidence=chosen.quote if chosen else None,
                message_index=chosen.message_index if chosen else None,
            )
        score = max(0, min(100, sum(r.points for r in results.values())))
        return ScoreCard(rubric=self.name, dimensions=results, score=score, band=self.band_for(score))

    def next_question(self, card: ScoreCard, asked: set[str]) -> Dimension | None:
        """The unknown dimension worth the most points that has not been asked yet."""
        open_dims = [d for d in self.dimensions if card.dimensions[d.key].level == "none" and d.key not in asked]
        return max(open_dims, key=lambda d: d.weight, default=None)


def rubric_consistency(rubric: Rubric) -> list[tuple[Loc, str]]:
    """Rules that span fields, each with the location to blame; empty when consistent."""
    issues: list[tuple[Loc, str]] = []

    def add(loc: Loc, message: str) -> None:
        issues.append((loc, message))

    first_key: dict[str, int] = {}
    for i, d in enumerate(rubric.dimensions):
        if d.key in first_key:
            add(("dimensions", i, "key"),
                f"dimension key {d.key!r} is already used by dimensions[{first_key[d.key]}]; keys must be unique")
        first_key.setdefault(d.key, i)
        # A rule on another signal would be silently ignored by level_of: say so instead.
        if d.budget is not None and d.signal is not Signal.budget:
            add(("dimensions", i, "budget"),
                f"a budget rule only applies to signal: budget (this dimension's signal is {d.signal})")
        if d.timing is not None and d.signal is not Signal.timing:
            add(("dimensions", i, "timing"),
                f"a timing rule only applies to signal: timing (this dimension's signal is {d.signal})")
    total = sum(d.weight for d in rubric.dimensions)
    if total != 100:
        parts = " + ".join(f"{d.key} {d.weight}" for d in rubric.dimensions)
        add(("dimensions",), f"dimension weights must add up to 100; they add up to {total} ({parts})")
    strong, weak = rubric.level_factors.get("strong", 0.0), rubric.level_factors.get("weak", 0.0)
    if weak > strong:
        add(("level_factors", "weak"), f"weak ({weak}) must not be worth more than strong ({strong})")
    if not any(b.min_score == 0 for b in rubric.bands):
        lowest = min(b.min_score for b in rubric.bands)
        add(("bands",), f"one band must have min_score 0 so every score has a band; the lowest is {lowest}, "
                        f"so scores 0-{lowest - 1} would have none")
    first_name: dict[str, int] = {}
    first_min: dict[int, int] = {}
    for i, b in enumerate(rubric.bands):
        if b.name in first_name:
            add(("bands", i, "name"), f"band names must be unique; {b.name!r} is already bands[{first_name[b.name]}]")
        if b.min_score in first_min:
            add(("bands", i, "min_score"),
                f"bands[{first_min[b.min_score]}] already starts at {b.min_score}; each band needs its own min_score")
        first_name.setdefault(b.name, i)
        first_min.setdefault(b.min_score, i)
    return issues


_RANK = {"strong": 2, "weak": 1, "none": 0}


def _aged(ev: Evidence, as_of: date, said_on: Sequence[date]) -> Evidence:
    if ev.within_days is None or not 0 <= ev.message_index < len(said_on):
        return ev
    elapsed = (as_of - said_on[ev.message_index]).days
    return ev.model_copy(update={"within_days": ev.within_days - elapsed}) if elapsed > 0 else ev


def _pick(rubric: Rubric, dim: Dimension, candidates: list[Evidence]) -> tuple[Level, Evidence | None]:
    """The evidence that sets a dimension's level: the latest correction if the visitor corrected
    themselves, else the strongest candidate (the earliest among equals). Evidence that counts
    for nothing (a deadline beyond the timing window) is not shown as the reason."""
    if not candidates:
        return "none", None
    corrections = [e for e in candidates if e.correction]
    if corrections:
        chosen = corrections[-1]
    else:
        chosen = max(candidates, key=lambda e: (_RANK[rubric.level_of(dim, e)], -e.message_index))
    level = rubric.level_of(dim, chosen)
    return level, (chosen if level != "none" else None)


class DimensionResult(BaseModel):
    key: str
    label: str
    level: Level
    points: int
    evidence: str | None = None
    message_index: int | None = None


class ScoreCard(BaseModel):
    rubric: str
    dimensions: dict[str, DimensionResult]
    score: int = Field(ge=0, le=100)
    band: str


# --- loading ----------------------------------------------------------------------------------
class RubricError(ValueError):
    """A rubric file that cannot be used; `problems` say field, line and why."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def builtin_rubric_names() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in resources.files(RUBRICS_PACKAGE).iterdir()
                  if p.name.endswith(".yaml"))


def load_rubric(name_or_path: str | Path) -> Rubric:
    """Load a built-in rubric by name ("bant") or a rubric file by path."""
    path = Path(name_or_path)
    # A bare name ("bant") is a built-in, even if a file of that name sits in the working directory.
    if path.suffix not in (".yaml", ".yml") and len(path.parts) == 1:
        return builtin_rubric(str(name_or_path))
    try:
        st = path.stat()
    except OSError as e:
        raise RubricError(str(path), [f"cannot read the file: {e.strerror or e}"]) from None
    return _rubric_file(str(path.resolve()), st.st_mtime_ns, st.st_size)


@cache
def _rubric_file(path: str, mtime_ns: int, size: int) -> Rubric:
    """Parsed once per version of the file: an edited rubric applies from the next turn on."""
    from skills.rubric_files import parse_rubric_text

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RubricError(path, [f"cannot read the file: {e}"]) from None
    return parse_rubric_text(text, path)


@cache
def builtin_rubric(name: str) -> Rubric:
    from skills.rubric_files import parse_rubric_text

    if name not in builtin_rubric_names():
        raise RubricError(name, [f"no built-in rubric named {name!r}; built-ins: {', '.join(builtin_rubric_names())}"])
    text = resources.files(RUBRICS_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return parse_rubric_text(text, f"{name}.yaml")
