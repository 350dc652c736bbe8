"""Rubric YAML files: every bad file gives the field, the right line and a reason a user can act on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skills.rubric import RubricError, load_rubric
from skills.rubric_files import parse_rubric_text, rubric_problems

# Line numbers matter below: the tests edit this file by line number.
GOOD = """\
name: demo
title: Demo
level_factors: {strong: 1.0, weak: 0.5}
hot_threshold: 80
dimensions:
  - key: budget
    label: Budget
    signal: budget
    weight: 40
    question: What budget do you have?
    budget:
      min_yearly_amount: 5000
  - key: need
    label: Need
    signal: need
    weight: 30
    question: What problem are you solving?
  - key: timing
    label: Timing
    signal: timing
    weight: 30
    question: When do you need it?
    timing:
      strong_within_days: 30
      weak_within_days: 180
bands:
  - {name: hot, min_score: 80}
  - {name: warm, min_score: 50}
  - {name: cold, min_score: 0}
"""
SHAPE = re.compile(r"^\S.* \(line \d+(, column \d+)?\): \S.*$")


def edit(line: int, new: str | None = None, insert: str | None = None) -> str:
    """GOOD with line `line` (1-based) replaced by `new` (None: deleted), or `insert` added after it."""
    lines = GOOD.splitlines()
    if insert is not None:
        lines.insert(line, insert)
    elif new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = new
    return "\n".join(lines) + "\n"


def test_the_good_file_is_good() -> None:
    assert rubric_problems(GOOD) == []
    r = parse_rubric_text(GOOD, "demo.yaml")
    assert (r.name, len(r.dimensions), r.level_factors["weak"]) == ("demo", 3, 0.5)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(edit(15, "    signal: nead"),
                 "dimensions[1].signal (line 15): 'nead' is not a signal; use one of: budget, authority, need, timing",
                 id="misspelled-signal"),
    pytest.param(edit(16, "    weight: thirty"),
                 "dimensions[1].weight (line 16): must be a whole number; got 'thirty'", id="weight-text"),
    pytest.param(edit(16, "    weight: 30.5"),
                 "dimensions[1].weight (line 16): must be a whole number; got 30.5", id="weight-fraction"),
    pytest.param(edit(16, "    weight: yes"),
                 "dimensions[1].weight (line 16): must be a number; got true (YAML reads", id="weight-bool"),
    pytest.param(edit(14, "    label: no"),
                 "dimensions[1].label (line 14): must be text; got false (YAML reads yes/no/on/off/true/false",
                 id="label-bool"),
    pytest.param(edit(17, "    question:"),
                 "dimensions[1].question (line 17): must be text; got nothing (the value is empty)",
                 id="empty-value"),
    pytest.param(edit(17, "    question: Hi"),
                 "dimensions[1].question (line 17): must be at least 3 characters; got 'Hi'", id="short-question"),
    pytest.param(edit(16, "    weight: 25"),
                 "dimensions (line 5): dimension weights must add up to 100; they add up to 95 "
                 "(budget 40 + need 25 + timing 30)", id="weights-sum"),
    pytest.param(edit(16, "    weight: 130"),
                 "dimensions[1].weight (line 16): must be at most 100; got 130", id="weight-too-big"),
    pytest.param(edit(16, insert="    weight: 30"),
                 "dimensions[1].weight (line 17): given twice in one mapping (first on line 16)", id="duplicate-key"),
    pytest.param(edit(1, insert="name: other"),
                 "name (line 2): given twice in one mapping (first on line 1)", id="duplicate-top-key"),
    pytest.param(edit(29, "  - {name: cold, min_score: 10}"),
                 "bands (line 26): one band must have min_score 0 so every score has a band; the lowest is 10, "
                 "so scores 0-9 would have none", id="no-zero-band"),
    pytest.param(edit(28, "  - {name: hot, min_score: 50}"),
                 "bands[1].name (line 28): band names must be unique; 'hot' is already bands[0]",
                 id="duplicate-band-name"),
    pytest.param(edit(28, "  - {name: warm, min_score: 80}"),
                 "bands[1].min_score (line 28): bands[0] already starts at 80", id="duplicate-band-start"),
    pytest.param(edit(17, "    questoin: What problem are you solving?"),
                 "dimensions[1].questoin (line 17): unknown field 'questoin' (did you mean 'question'?); "
                 "allowed here: key, label, signal, weight, question, description, budget, timing",
                 id="unknown-field"),
    pytest.param(edit(4, "hot_treshold: 80"),
                 "hot_treshold (line 4): unknown field 'hot_treshold' (did you mean 'hot_threshold'?)",
                 id="unknown-top-field"),
    pytest.param(edit(2, None), "title (line 1): missing; this field is required", id="missing-top-field"),
    pytest.param(edit(13, "  - key: Need"),
                 "dimensions[1].key (line 13): 'Need' is not a valid id: use lower-case letters, digits and _, "
                 "starting with a letter (e.g. 'need')", id="bad-key"),
    pytest.param(edit(18, "  - key: need"),
                 "dimensions[2].key (line 18): dimension key 'need' is already used by dimensions[1]",
                 id="duplicate-dimension-key"),
    pytest.param(edit(3, "level_factors: {strong: 0.4, weak: 0.5}"),
                 "level_factors.weak (line 3): weak (0.5) must not be worth more than strong (0.4)",
                 id="weak-above-strong"),
    pytest.param(edit(3, "level_factors: {strong: 1.0, weak: 1.5}"),
                 "level_factors.weak (line 3): must be at most 1; got 1.5", id="factor-too-big"),
    pytest.param(edit(3, "level_factors: {strong: 1.0, none: 0.1}"),
                 "level_factors.none (line 3): 'none' is not a level; level_factors takes strong and weak",
                 id="unknown-level"),
    pytest.param(edit(4, "hot_threshold: 150"), "hot_threshold (line 4): must be at most 100; got 150",
                 id="threshold-too-big"),
    pytest.param(edit(12, "      min_yearly_amount: -1"),
                 "dimensions[0].budget.min_yearly_amount (line 12): must be at least 0; got -1",
                 id="negative-amount"),
    pytest.param(edit(12, "      min_amount: 5000"),
                 "dimensions[0].budget.min_amount (line 12): unknown field 'min_amount' "
                 "(did you mean 'min_yearly_amount'?)", id="budget-rule-typo"),
    pytest.param(edit(25, "      weak_within_days: 10"),
                 "dimensions[2].timing (line 23): weak_within_days (10) must be at least strong_within_days (30)",
                 id="timing-windows-reversed"),
    pytest.param(edit(17, insert="    budget: {min_yearly_amount: 10}"),
                 "dimensions[1].budget (line 18): a budget rule only applies to signal: budget "
                 "(this dimension's signal is need)", id="budget-rule-on-need"),
    pytest.param(edit(10, insert="    timing: {strong_within_days: 10}"),
                 "dimensions[0].timing (line 11): a timing rule only applies to signal: timing",
                 id="timing-rule-on-budget"),
    pytest.param("name: demo\ntitle: Demo\ndimensions:\n  - need\nbands: [{name: cold, min_score: 0}]\n",
                 "dimensions[0] (line 4): must be a mapping (field: value lines) with fields key, label, signal",
                 id="dimension-not-mapping"),
    pytest.param("name: demo\ntitle: Demo\ndimensions: budget\nbands: []\n",
                 "dimensions (line 3): must be a list (one '- ' item per entry); got 'budget'", id="not-a-list"),
    pytest.param("name: demo\ntitle: Demo\ndimensions: []\nbands: [{name: cold, min_score: 0}]\n",
                 "dimensions (line 3): needs at least 1 item(s); the list is empty", id="no-dimensions"),
])
def test_bad_file_names_field_and_line(text: str, expected: str) -> None:
    problems = rubric_problems(text)
    assert any(p.startswith(expected) for p in problems), problems
    assert all(SHAPE.match(p) for p in problems), problems


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(edit(14, "    label: [Need"),
                 "(yaml) (line 15, column 11): not valid YAML: while parsing a flow sequence (from line 14), "
                 "expected ',' or ']', but got ':'", id="unclosed-bracket"),
    pytest.param(edit(7, "    label: Budget: yearly"),
                 "(yaml) (line 7, column 18): not valid YAML: mapping values are not allowed here",
                 id="colon-in-value"),
    pytest.param(edit(8, "\tsignal: budget"),
                 "(yaml) (line 8, column 1): not valid YAML: while scanning for the next token, found character "
                 "'\\t' that cannot start any token (YAML indents with spaces, not tabs)", id="tab"),
    pytest.param(GOOD + "---\nname: second\n",
                 "(yaml) (line 30, column 1): not valid YAML: expected a single document", id="two-documents"),
])
def test_yaml_syntax_errors_give_line_and_column(text: str, expected: str) -> None:
    problems = rubric_problems(text)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


@pytest.mark.parametrize("text", ["", "\n\n   \n", "# only a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    assert rubric_problems(text) == [
        "(top level) (line 1): the file is empty; a rubric needs name, title, dimensions and bands "
        "(see docs/rubrics.md)"]


@pytest.mark.parametrize(("text", "what"), [("- a\n- b\n", "a list"), ("just text\n", "'just text'"),
                                            ("# c\n42\n", "42")])
def test_top_level_must_be_a_mapping(text: str, what: str) -> None:
    (problem,) = rubric_problems(text)
    assert problem.startswith("(top level) (line ") and f"this one is {what}" in problem


def test_problems_come_in_line_order_and_weights_are_checked_with_other_errors() -> None:
    text = edit(21, "    weight: 20").replace("signal: nead", "x").replace("signal: need", "signal: nead")
    problems = rubric_problems(text)
    assert [p.split(" (line")[0] for p in problems] == ["dimensions", "dimensions[1].signal"]
    assert "they add up to 90" in problems[0]


def test_many_problems_are_all_reported() -> None:
    text = edit(17, "    questoin: What?").replace("signal: timing", "signal: time").replace("weight: 40", "weight: x")
    fields = [p.split(" (line")[0] for p in rubric_problems(text)]
    assert fields == ["dimensions[0].weight", "dimensions[1].question", "dimensions[1].questoin",
                      "dimensions[2].signal"]


def test_parse_rubric_text_raises_rubric_error_with_every_problem() -> None:
    with pytest.raises(RubricError) as e:
        parse_rubric_text(edit(15, "    signal: nead").replace("weight: 40", "weight: 41"), "my.yaml")
    assert e.value.source == "my.yaml"
    assert len(e.value.problems) == 2
    assert str(e.value).startswith("my.yaml: dimensions (line 5): dimension weights must add up to 100")


def test_load_rubric_reports_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(edit(15, "    signal: nead"), encoding="utf-8")
    with pytest.raises(RubricError) as e:
        load_rubric(path)
    assert e.value.source == str(path)
    assert e.value.problems[0].startswith("dimensions[1].signal (line 15):")
    path.write_text(GOOD, encoding="utf-8")
    assert load_rubric(path).name == "demo"
    assert load_rubric(str(path)).name == "demo"


def test_anchors_and_aliases_are_fine() -> None:
    text = GOOD.replace("  - {name: hot, min_score: 80}", "  - &top {name: hot, min_score: 80}")
    assert rubric_problems(text) == []


def test_unsafe_tags_are_refused() -> None:
    (problem,) = rubric_problems(edit(2, "title: !!python/object/apply:os.system [echo hi]"))
    assert problem.startswith("(yaml) (line 2, column 8): not valid YAML: could not determine a constructor")
