"""The CLI run as a real subprocess, as a user runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev_conversations.jsonl"
CONV = {
    "id": "c1", "channel": "widget", "today": "2026-11-22",
    "messages": [
        {"role": "visitor", "text": "Can I get a demo? We have $40k a year for analytics."},
        {"role": "agent", "text": "Sure! What's your email?"},
        {"role": "visitor", "text": "ana.silva@northwind.io"},
    ],
}


def leadline(*args: str, stdin: str | None = None, cwd: Path | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leadline.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=cwd, env={**os.environ, **(env or {})})


def test_qualify_writes_one_json_line_per_conversation(tmp_path: Path) -> None:
    f = tmp_path / "c.jsonl"
    f.write_text(json.dumps(CONV) + "\n\n" + json.dumps({**CONV, "id": "c2", "expected": {"ignored": 1}}) + "\n")
    out = leadline("qualify", str(f))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["c1", "c2"]
    r = rows[0]
    assert set(r) == {"id", "intent", "is_lead", "contact", "bant", "score", "band"}
    assert set(r["contact"]) == {"name", "email", "phone", "company"}
    assert set(r["bant"]) == {"budget", "authority", "need", "timing"}
    assert set(r["bant"]["budget"]) == {"level", "score", "evidence"}
    assert r["contact"]["email"] == "ana.silva@northwind.io"
    assert r["intent"] is True and r["is_lead"] is True
    assert r["score"] == sum(d["score"] for d in r["bant"].values())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "x"', "line 1"),
        (json.dumps({**CONV, "channel": "fax"}), "channel"),
        (json.dumps({**CONV, "messages": [{"role": "bot", "text": "hi"}]}), "role"),
    ],
)
def test_qualify_rejects_bad_files_clearly(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(content + "\n")
    out = leadline("qualify", str(f))
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_qualify_missing_file_and_bad_rubric(tmp_path: Path) -> None:
    out = leadline("qualify", str(tmp_path / "nope.jsonl"))
    assert out.returncode == 2 and "no such file" in out.stderr
    f = tmp_path / "c.jsonl"
    f.write_text(json.dumps(CONV) + "\n")
    out = leadline("qualify", str(f), "--rubric", "nonexistent")
    assert out.returncode == 2 and "no built-in rubric" in out.stderr


@pytest.mark.skipif(not EVAL.exists(), reason="shared eval set not beside the repository")
def test_eval_prints_per_field_metrics() -> None:
    out = leadline("eval", str(EVAL))
    assert out.returncode == 0, out.stderr
    names = {line.split()[0] for line in out.stdout.splitlines()}
    assert {"contact.email", "intent", "is_lead", "band", "bant.budget.level", "evidence.verbatim"} <= names


def test_chat_holds_a_conversation_with_the_real_database(tmp_path: Path) -> None:
    env = {"LEADLINE_DATABASE_URL": f"sqlite:///{tmp_path}/chat.db", "LEADLINE_DATA_DIR": str(tmp_path / "data")}
    out = leadline("chat", "--debug", stdin="I'd like a demo please\nrui@caravela.pt\n\n", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("agent> ") == 2
    assert "[lead] lead_" in out.stdout and "rui@caravela.pt" in out.stdout
    assert (tmp_path / "data" / "data.key").exists() and "generated one" in out.stderr
    again = leadline("db", "upgrade", cwd=tmp_path, env=env)
    assert again.returncode == 0 and "revision" in again.stdout
