"""Rubric evaluation: evidence to levels, levels to points, points to a score and a band."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from agent.extraction.base import Evidence, Extraction, Signal
from skills.rubric import (
    Band,
    BudgetRule,
    Dimension,
    Rubric,
    RubricError,
    TimingRule,
    builtin_rubric,
    builtin_rubric_names,
    load_rubric,
)

ROOT = Path(__file__).resolve().parents[2]


def ev(signal: Signal, grade: str = "strong", index: int = 0, quote: str | None = None, **facts: Any) -> Evidence:
    return Evidence(signal=signal, quote=quote or f"{signal.value} #{index}", message_index=index,
                    grade=grade, **facts)


def extraction(*evidence: Evidence) -> Extraction:
    by_signal: dict[Signal, list[Evidence]] = {s: [] for s in Signal}
    for e in evidence:
        by_signal[e.signal].append(e)
    return Extraction(evidence=by_signal)


def rubric(dims: list[tuple[str, Signal, int]], weak: float = 0.48, **extra: Any) -> Rubric:
    """A small rubric built in Python, with BANT's bands."""
    return Rubric(
        name="t", title="T", level_factors={"strong": 1.0, "weak": weak},
        dimensions=[Dimension(key=k, label=k.title(), signal=s, weight=w, question=f"{k}?", **extra.get(k, {}))
                    for k, s, w in dims],
        bands=[Band(name="hot", min_score=80), Band(name="warm", min_score=60),
               Band(name="lukewarm", min_score=40), Band(name="cold", min_score=0)],
    )


@pytest.fixture
def bant() -> Rubric:
    return builtin_rubric("bant")


def level(r: Rubric, key: str, *evidence: Evidence) -> str:
    return r.evaluate(extraction(*evidence)).dimensions[key].level


# --- levels ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("amount", "grade", "expected"), [
    (5000, "weak", "strong"),         # exactly the minimum is strong, whatever the extractor's grade
    (30000, "weak", "strong"),
    (4999.99, "strong", "weak"),      # just below is weak, even if the extractor said strong
    (2400, "strong", "weak"),
    (0, "strong", "weak"),
])
def test_budget_amount_against_min_yearly_amount(bant: Rubric, amount: float, grade: str, expected: str) -> None:
    assert level(bant, "budget", ev(Signal.budget, grade, yearly_amount=amount, currency="USD")) == expected


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP", None])
def test_budget_currencies_count_at_par(bant: Rubric, currency: str | None) -> None:
    assert level(bant, "budget", ev(Signal.budget, "weak", yearly_amount=5000, currency=currency)) == "strong"
    assert level(bant, "budget", ev(Signal.budget, "strong", yearly_amount=4000, currency=currency)) == "weak"


def test_budget_without_amount_takes_the_extractors_grade(bant: Rubric) -> None:
    assert level(bant, "budget", ev(Signal.budget, "weak")) == "weak"
    assert level(bant, "budget", ev(Signal.budget, "strong")) == "strong"


def test_budget_dimension_without_rule_ignores_amounts() -> None:
    r = rubric([("budget", Signal.budget, 50), ("need", Signal.need, 50)])
    assert level(r, "budget", ev(Signal.budget, "strong", yearly_amount=1)) == "strong"


@pytest.mark.parametrize(("days", "expected"), [
    (0, "strong"), (1, "strong"), (90, "strong"),
    (91, "weak"), (365, "weak"),
    (366, "none"), (1000, "none"),   # beyond weak_within_days counts for nothing
    (-5, "weak"),                    # a date already past: late, not absent
])
def test_timing_within_days_against_windows(bant: Rubric, days: int, expected: str) -> None:
    assert level(bant, "timing", ev(Signal.timing, "strong", within_days=days)) == expected


def test_timing_beyond_window_keeps_no_quote(bant: Rubric) -> None:
    d = bant.evaluate(extraction(ev(Signal.timing, "weak", within_days=800))).dimensions["timing"]
    assert (d.level, d.points, d.evidence, d.message_index) == ("none", 0, None, None)


def test_timing_without_date_takes_the_extractors_grade(bant: Rubric) -> None:
    assert level(bant, "timing", ev(Signal.timing, "weak", quote="no rush")) == "weak"
    assert level(bant, "timing", ev(Signal.timing, "strong", quote="ASAP")) == "strong"


def test_timing_windows_come_from_the_rubric() -> None:
    b2c = builtin_rubric("b2c")
    assert level(b2c, "urgency", ev(Signal.timing, within_days=14)) == "strong"
    assert level(b2c, "urgency", ev(Signal.timing, within_days=15)) == "weak"
    assert level(b2c, "urgency", ev(Signal.timing, within_days=91)) == "none"


def test_timing_dimension_without_rule_uses_default_windows() -> None:
    r = rubric([("timing", Signal.timing, 50), ("need", Signal.need, 50)])
    assert r.dimensions[0].timing is None
    assert level(r, "timing", ev(Signal.timing, "weak", within_days=90)) == "strong"
    assert level(r, "timing", ev(Signal.timing, "strong", within_days=365)) == "weak"
    assert level(r, "timing", ev(Signal.timing, "strong", within_days=366)) == "none"


@pytest.mark.parametrize("signal", [Signal.authority, Signal.need])
@pytest.mark.parametrize("grade", ["strong", "weak"])
def test_authority_and_need_take_the_extractors_grade(bant: Rubric, signal: Signal, grade: str) -> None:
    # Numbers on these signals mean nothing to the rubric.
    assert level(bant, signal.value, ev(signal, grade, yearly_amount=1, within_days=900)) == grade


def test_nothing_said_is_none(bant: Rubric) -> None:
    card = bant.evaluate(Extraction())
    assert {d.level for d in card.dimensions.values()} == {"none"}
    assert (card.score, card.band) == (0, "cold")


# --- which evidence decides ----------------------------------------------------------------------
def test_correction_wins_over_a_stronger_earlier_statement(bant: Rubric) -> None:
    card = bant.evaluate(extraction(
        ev(Signal.budget, "strong", 0, "about $600 a month", yearly_amount=7200),
        ev(Signal.budget, "weak", 2, "more like $300 a month", yearly_amount=3600, correction=True),
    ))
    d = card.dimensions["budget"]
    assert (d.level, d.points, d.evidence, d.message_index) == ("weak", 12, "more like $300 a month", 2)


def test_latest_correction_wins(bant: Rubric) -> None:
    card = bant.evaluate(extraction(
        ev(Signal.timing, "weak", 0, "no rush"),
        ev(Signal.timing, "strong", 1, "actually next month", within_days=30, correction=True),
        ev(Signal.timing, "weak", 3, "sorry, in June", within_days=200, correction=True),
        ev(Signal.timing, "strong", 4, "ASAP"),  # not a correction: does not beat the correction
    ))
    assert (card.dimensions["timing"].level, card.dimensions["timing"].evidence) == ("weak", "sorry, in June")


def test_strongest_evidence_wins(bant: Rubric) -> None:
    card = bant.evaluate(extraction(
        ev(Signal.authority, "weak", 0, "I report to the CFO"),
        ev(Signal.authority, "strong", 3, "but it's my call"),
    ))
    assert (card.dimensions["authority"].level, card.dimensions["authority"].evidence) == ("strong", "but it's my call")


def test_strongest_is_judged_by_the_rubric_not_the_grade(bant: Rubric) -> None:
    card = bant.evaluate(extraction(
        ev(Signal.budget, "strong", 0, "$200/mo", yearly_amount=2400),   # rubric: weak
        ev(Signal.budget, "weak", 1, "$10k a year", yearly_amount=10000),  # rubric: strong
    ))
    assert card.dimensions["budget"].evidence == "$10k a year"


def test_earliest_wins_among_equals(bant: Rubric) -> None:
    card = bant.evaluate(extraction(ev(Signal.need, "strong", 1, "first"), ev(Signal.need, "strong", 4, "second")))
    assert (card.dimensions["need"].evidence, card.dimensions["need"].message_index) == ("first", 1)


# --- score and band ------------------------------------------------------------------------------
def test_score_is_the_sum_of_points(bant: Rubric) -> None:
    card = bant.evaluate(extraction(
        ev(Signal.budget, yearly_amount=6000), ev(Signal.authority, "weak"), ev(Signal.need, "strong"),
    ))
    assert [card.dimensions[k].points for k in ("budget", "authority", "need", "timing")] == [25, 12, 25, 0]
    assert (card.score, card.band, card.rubric) == (62, "warm", "bant")


def test_all_strong_is_100_and_all_weak_is_48(bant: Rubric) -> None:
    strong = bant.evaluate(extraction(*(ev(s, "strong") for s in Signal)))
    weak = bant.evaluate(extraction(*(ev(s, "weak") for s in Signal)))
    assert (strong.score, strong.band) == (100, "hot")
    assert (weak.score, weak.band) == (48, "lukewarm")


@pytest.mark.parametrize(("weight", "factor", "points"), [
    (25, 0.48, 12),   # BANT: exactly 12
    (15, 0.48, 7),    # 7.2
    (20, 0.48, 10),   # 9.6
    (25, 0.5, 12),    # 12.5: Python's round, half to even
    (15, 0.5, 8),     # 7.5: half to even
])
def test_points_are_rounded_per_dimension(weight: int, factor: float, points: int) -> None:
    r = rubric([("need", Signal.need, weight), ("timing", Signal.timing, 100 - weight)], weak=factor)
    card = r.evaluate(extraction(ev(Signal.need, "weak")))
    assert card.dimensions["need"].points == points
    assert card.score == points


def test_six_dimensions_sharing_signals_score_together() -> None:
    meddic = builtin_rubric("meddic")
    card = meddic.evaluate(extraction(ev(Signal.authority, "weak"), ev(Signal.need, "strong")))
    pts = {k: d.points for k, d in card.dimensions.items()}
    assert pts == {"metrics": 0, "economic_buyer": 10, "decision_criteria": 10, "decision_process": 0,
                   "identify_pain": 25, "champion": 7}
    assert card.score == sum(pts.values()) == 52


@pytest.mark.parametrize(("score", "band"), [
    (0, "cold"), (39, "cold"), (40, "lukewarm"), (59, "lukewarm"), (60, "warm"), (79, "warm"),
    (80, "hot"), (100, "hot"),
])
def test_bant_bands_at_the_edges(bant: Rubric, score: int, band: str) -> None:
    assert bant.band_for(score) == band


def test_band_order_in_the_file_does_not_matter() -> None:
    r = rubric([("need", Signal.need, 100)])
    shuffled = r.model_copy(update={"bands": list(reversed(r.bands))})
    assert [shuffled.band_for(s) for s in (39, 40, 79, 80)] == ["cold", "lukewarm", "warm", "hot"]


# --- built-in files ------------------------------------------------------------------------------
def test_builtin_names() -> None:
    assert set(builtin_rubric_names()) >= {"bant", "meddic", "gpct", "b2c"}


@pytest.mark.parametrize("name", builtin_rubric_names())
def test_every_builtin_loads_and_is_consistent(name: str) -> None:
    r = builtin_rubric(name)
    assert r.name == name  # the file name is the name `--rubric` takes
    assert sum(d.weight for d in r.dimensions) == 100
    assert any(b.min_score == 0 for b in r.bands)
    assert r.hot_threshold == max(b.min_score for b in r.bands)
    assert all(d.description and d.question.endswith("?") for d in r.dimensions)
    # The same file loads by path too, and every setting is explained by a comment.
    path = ROOT / "skills" / "rubrics" / f"{name}.yaml"
    assert load_rubric(path) == r
    assert path.read_text(encoding="utf-8").lstrip().startswith("#")


def test_bant_keeps_the_sellers_numbers(bant: Rubric) -> None:
    assert [(d.key, d.signal, d.weight) for d in bant.dimensions] == [
        ("budget", Signal.budget, 25), ("authority", Signal.authority, 25),
        ("need", Signal.need, 25), ("timing", Signal.timing, 25)]
    assert bant.dimensions[0].budget == BudgetRule(min_yearly_amount=5000)
    assert bant.dimensions[3].timing == TimingRule(strong_within_days=90, weak_within_days=365)
    assert bant.level_factors == {"strong": 1.0, "weak": 0.48}
    assert {b.name: b.min_score for b in bant.bands} == {"hot": 80, "warm": 60, "lukewarm": 40, "cold": 0}
    assert bant.hot_threshold == 80


def test_meddic_maps_six_elements_onto_four_signals() -> None:
    meddic = builtin_rubric("meddic")
    assert {d.key: d.signal.value for d in meddic.dimensions} == {
        "metrics": "budget", "economic_buyer": "authority", "decision_criteria": "need",
        "decision_process": "timing", "identify_pain": "need", "champion": "authority"}


def test_b2c_uses_consumer_numbers() -> None:
    b2c = builtin_rubric("b2c")
    assert level(b2c, "purchase_intent", ev(Signal.budget, "weak", yearly_amount=120)) == "strong"  # 10/month
    assert level(b2c, "purchase_intent", ev(Signal.budget, "strong", yearly_amount=60)) == "weak"  # 5/month


def test_unknown_builtin_names_the_builtins() -> None:
    with pytest.raises(RubricError) as e:
        builtin_rubric("spiced")
    assert "bant" in e.value.problems[0] and "meddic" in e.value.problems[0]


def test_load_rubric_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RubricError) as e:
        load_rubric(tmp_path / "nope.yaml")
    assert "cannot read the file" in e.value.problems[0]


# --- next question -------------------------------------------------------------------------------
def test_next_question_highest_weight_first_ties_in_file_order() -> None:
    meddic = builtin_rubric("meddic")
    card = meddic.evaluate(Extraction())
    order: list[str] = []
    while (d := meddic.next_question(card, set(order))) is not None:
        order.append(d.key)
    assert order == ["identify_pain", "economic_buyer", "metrics", "decision_process", "champion",
                     "decision_criteria"]


def test_next_question_skips_known_and_asked(bant: Rubric) -> None:
    card = bant.evaluate(extraction(ev(Signal.budget, "weak"), ev(Signal.need, "strong")))
    assert bant.next_question(card, set()).key == "authority"  # type: ignore[union-attr]
    assert bant.next_question(card, {"authority"}).key == "timing"  # type: ignore[union-attr]
    assert bant.next_question(card, {"authority", "timing"}) is None


def test_next_question_returns_the_dimension_with_its_question(bant: Rubric) -> None:
    d = bant.next_question(bant.evaluate(Extraction()), set())
    assert d is not None and d.key == "budget" and d.question == bant.dimensions[0].question


# --- the schema in Python ------------------------------------------------------------------------
def test_python_construction_checks_consistency() -> None:
    with pytest.raises(ValidationError, match=r"add up to 95 \(need 50 \+ timing 45\)"):
        rubric([("need", Signal.need, 50), ("timing", Signal.timing, 45)])
    with pytest.raises(ValidationError, match="a budget rule only applies to signal: budget"):
        rubric([("need", Signal.need, 100)], need={"budget": BudgetRule(min_yearly_amount=1)})


def test_docs_describe_every_schema_field() -> None:
    doc = (ROOT / "docs" / "rubrics.md").read_text(encoding="utf-8")
    models: list[type[BaseModel]] = [Rubric, Dimension, Band, BudgetRule, TimingRule]
    for model in models:
        for field in model.model_fields:
            assert re.search(rf"\| `{field}` \|", doc), f"{model.__name__}.{field} is not in docs/rubrics.md"
