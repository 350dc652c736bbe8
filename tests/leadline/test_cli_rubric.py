"""`leadline rubric check|list|show` run as a real subprocess, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

RUBRICS = Path(__file__).resolve().parents[2] / "skills" / "rubrics"
BUILTINS = sorted(p.stem for p in RUBRICS.glob("*.yaml"))


def rubric_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leadline.cli", "rubric", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env={**os.environ, "COLUMNS": "200"})


class Bad(NamedTuple):
    path: Path
    dimensions_line: int
    signal_line: int


@pytest.fixture
def bad(tmp_path: Path) -> Bad:
    """BANT with a misspelled signal and a weight of 20: two problems at known lines."""
    text = (RUBRICS / "bant.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    need_signal = lines.index("    signal: need") + 1
    timing_weight = lines.index("    label: Timing") + 3
    assert lines[timing_weight - 1] == "    weight: 25"
    lines[need_signal - 1] = "    signal: nead"
    lines[timing_weight - 1] = "    weight: 20"
    path = tmp_path / "bad.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Bad(path, lines.index("dimensions:") + 1, need_signal)


@pytest.mark.parametrize("name", BUILTINS)
def test_check_good_file(name: str) -> None:
    r = rubric_cli("check", RUBRICS / f"{name}.yaml")
    n = {"bant": 4, "gpct": 4, "meddic": 6, "b2c": 3}.get(name)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(f"OK: {name} (")
    if n is not None:
        assert r.stdout == f"OK: {name} ({n} dimensions, weights sum to 100)\n"
    assert r.stderr == ""


def test_check_bad_file_prints_each_problem_with_line(bad: Bad) -> None:
    r = rubric_cli("check", bad.path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        f"{bad.path}: dimensions (line {bad.dimensions_line}): dimension weights must add up to 100; "
        "they add up to 95 (budget 25 + authority 25 + need 25 + timing 20)",
        f"{bad.path}: dimensions[2].signal (line {bad.signal_line}): 'nead' is not a signal; use one of: "
        "budget, authority, need, timing",
    ]


def test_check_yaml_syntax_error(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text("name: x\ntitle: [unclosed\nbands: []\n", encoding="utf-8")
    r = rubric_cli("check", f)
    assert r.returncode == 1
    assert r.stdout.startswith(f"{f}: (yaml) (line 3, column 6): not valid YAML:")


def test_check_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text("", encoding="utf-8")
    r = rubric_cli("check", f)
    assert (r.returncode, r.stdout) == (1, f"{f}: (top level) (line 1): the file is empty; a rubric needs name, "
                                           "title, dimensions and bands (see docs/rubrics.md)\n")


def test_check_missing_file_exits_2(tmp_path: Path) -> None:
    r = rubric_cli("check", tmp_path / "nope.yaml")
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr == f"error: {tmp_path / 'nope.yaml'}: no such file\n"


def test_check_unreadable_files_exit_2(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\xfe\n")
    r = rubric_cli("check", binary, tmp_path)
    assert r.returncode == 2
    assert f"error: {binary}: not UTF-8 text (byte 6)" in r.stderr
    assert f"error: {tmp_path}: is a directory" in r.stderr


def test_check_several_files_reports_each(bad: Bad) -> None:
    r = rubric_cli("check", RUBRICS / "bant.yaml", bad.path, RUBRICS / "meddic.yaml")
    assert r.returncode == 1
    out = r.stdout.splitlines()
    assert out[0] == "OK: bant (4 dimensions, weights sum to 100)"
    assert out[-1] == "OK: meddic (6 dimensions, weights sum to 100)"
    assert all(line.startswith(f"{bad.path}: ") for line in out[1:-1]) and len(out) == 4


def test_check_needs_a_file() -> None:
    r = rubric_cli("check")
    assert r.returncode == 2
    assert "Missing argument" in r.stderr


def test_list_names_every_builtin() -> None:
    r = rubric_cli("list")
    assert r.returncode == 0, r.stderr
    names = [line.split()[0] for line in r.stdout.splitlines()]
    assert names == BUILTINS
    assert "meddic  MEDDIC - 6 dimensions: metrics, economic_buyer, decision_criteria, decision_process, " \
           "identify_pain, champion" in r.stdout


def test_show_prints_dimensions_rules_questions_and_bands() -> None:
    r = rubric_cli("show", "bant")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("bant: BANT\n")
    for key in ("budget", "authority", "need", "timing"):
        assert f"\n  {key}" in out
    assert "an amount is strong at >= 5,000/year, else weak" in out
    assert "a date is strong within 90 days, weak within 365, later none" in out
    assert "asks: Do you have a budget range in mind for this, per month or per year?" in out
    assert "hot        >=  80" in out and "cold       >=   0" in out


def test_show_a_file_as_json(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text((RUBRICS / "gpct.yaml").read_text(encoding="utf-8").replace("name: gpct", "name: mine"))
    r = rubric_cli("show", f, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["name"] == "mine" and [d["key"] for d in data["dimensions"]] == [
        "goals", "plans", "challenges", "timeline"]


def test_show_unknown_name_exits_2() -> None:
    r = rubric_cli("show", "spiced")
    assert r.returncode == 2
    assert "no built-in rubric or file named 'spiced'; built-ins: " + ", ".join(BUILTINS) in r.stderr


def test_show_bad_file_prints_problems(bad: Bad) -> None:
    r = rubric_cli("show", bad.path)
    assert r.returncode == 1
    assert len(r.stdout.splitlines()) == 2 and r.stdout.startswith(f"{bad.path}: dimensions (line ")


def test_installed_script_runs_check() -> None:
    script = Path(sys.executable).with_name("leadline")
    if not script.exists():
        pytest.skip("leadline console script not installed next to this interpreter")
    r = subprocess.run([str(script), "rubric", "check", str(RUBRICS / "b2c.yaml")], capture_output=True,
                       text=True, timeout=120)
    assert (r.returncode, r.stdout) == (0, "OK: b2c (3 dimensions, weights sum to 100)\n")
