"""Rubric files: the schema (pydantic), loading, and turning evidence into levels and a score.

A rubric maps each of its dimensions onto an extraction signal (budget, authority, need, timing)
and says, in settings rather than code, what makes that evidence strong or weak: the minimum
yearly budget, the timing window in days. The score is computed here, in code, from levels:
sum over dimensions of weight x level factor, so a language model never picks a number.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.extraction.base import Evidence, Extraction, Signal

Level = Literal["strong", "weak", "none"]
RUBRICS_PACKAGE = "skills.rubrics"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BudgetRule(_Strict):
    """Budget evidence with an amount is strong when the yearly upper end reaches the minimum."""

    min_yearly_amount: float = Field(ge=0, description="yearly amount (any currency at par) for 'strong'")


class TimingRule(_Strict):
    strong_within_days: int = Field(90, ge=1, description="a deadline within this many days is strong")
    weak_within_days: int = Field(365, ge=1, description="a later deadline up to this many days is weak")

    @model_validator(mode="after")
    def _ordered(self) -> TimingRule:
        if self.weak_within_days < self.strong_within_days:
            raise ValueError("weak_within_days must be at least strong_within_days")
        return self


class Dimension(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="stable id used in scores and exports")
    label: str
    signal: Signal = Field(description="which extraction signal feeds this dimension")
    weight: int = Field(ge=0, le=100, description="points for a strong level")
    question: str = Field(min_length=3, description="what the agent asks to learn this dimension")
    description: str = ""
    budget: BudgetRule | None = None
    timing: TimingRule | None = None


class Band(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    min_score: int = Field(ge=0, le=100)
    meaning: str = ""


class Rubric(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str = ""
    # Points of a level as a fraction of the dimension's weight (BANT: strong 25/25, weak 12/25).
    level_factors: dict[Literal["strong", "weak"], float] = Field(
        default_factory=lambda: {"strong": 1.0, "weak": 0.48}
    )
    dimensions: list[Dimension] = Field(min_length=1)
    bands: list[Band] = Field(min_length=1)
    hot_threshold: int = Field(80, ge=0, le=100, description="score at which a lead is hot (R1)")

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        keys = [d.key for d in self.dimensions]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise ValueError(f"dimension keys must be unique; repeated: {', '.join(sorted(dup))}")
        total = sum(d.weight for d in self.dimensions)
        if total != 100:
            raise ValueError(f"dimension weights must add up to 100; they add up to {total}")
        for f in self.level_factors.values():
            if not 0 <= f <= 1:
                raise ValueError("level_factors must be between 0 and 1")
        if not any(b.min_score == 0 for b in self.bands):
            raise ValueError("one band must have min_score 0 so every score has a band")
        names = [b.name for b in self.bands]
        if len(set(names)) != len(names):
            raise ValueError("band names must be unique")
        return self

    # -- scoring ---------------------------------------------------------------------------
    def band_for(self, score: int) -> str:
        return max((b for b in self.bands if score >= b.min_score), key=lambda b: b.min_score).name

    def level_of(self, dim: Dimension, ev: Evidence) -> Level:
        if dim.signal is Signal.budget and ev.yearly_amount is not None:
            rule = dim.budget
            if rule is not None:
                return "strong" if ev.yearly_amount >= rule.min_yearly_amount else "weak"
        if dim.signal is Signal.timing and ev.within_days is not None:
            rule = dim.timing or TimingRule()
            return "strong" if 0 <= ev.within_days <= rule.strong_within_days else "weak"
        return ev.grade

    def evaluate(self, extraction: Extraction) -> ScoreCard:
        results: dict[str, DimensionResult] = {}
        for dim in self.dimensions:
            level, chosen = _pick(self, dim, extraction.evidence.get(dim.signal, []))
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


_RANK = {"strong": 2, "weak": 1, "none": 0}


def _pick(rubric: Rubric, dim: Dimension, candidates: list[Evidence]) -> tuple[Level, Evidence | None]:
    """The evidence that sets a dimension's level: the latest correction if the visitor corrected
    themselves, else the strongest candidate (the earliest among equals)."""
    if not candidates:
        return "none", None
    corrections = [e for e in candidates if e.correction]
    if corrections:
        chosen = corrections[-1]
        return rubric.level_of(dim, chosen), chosen
    best = max(candidates, key=lambda e: (_RANK[rubric.level_of(dim, e)], -e.message_index))
    return rubric.level_of(dim, best), best


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
    from skills.rubric_files import parse_rubric_text

    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise RubricError(str(path), [f"cannot read the file: {e}"]) from None
        return parse_rubric_text(text, str(path))
    return builtin_rubric(str(name_or_path))


@cache
def builtin_rubric(name: str) -> Rubric:
    from skills.rubric_files import parse_rubric_text

    if name not in builtin_rubric_names():
        raise RubricError(name, [f"no built-in rubric named {name!r}; built-ins: {', '.join(builtin_rubric_names())}"])
    text = resources.files(RUBRICS_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return parse_rubric_text(text, f"{name}.yaml")
