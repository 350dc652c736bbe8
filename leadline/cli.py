"""The `leadline` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Leadline: turn conversations into qualified sales leads.", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _backend():  # type: ignore[no-untyped-def]
    from agent.extraction.rules import RuleBackend

    return RuleBackend()


def _rubric(name: str):  # type: ignore[no-untyped-def]
    from skills.rubric import RubricError, load_rubric

    try:
        return load_rubric(name)
    except RubricError as e:
        _fail("bad rubric " + str(e))


def _open_jsonl(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except UnicodeDecodeError as e:
        _fail(f"{path}: not UTF-8 text (byte {e.start})")
    return []


@app.command()
def qualify(
    file: Annotated[Path, typer.Argument(help="conversations, one JSON object per line (eval FORMAT.md)")],
    rubric: Annotated[str, typer.Option("--rubric", "-r", help="built-in rubric name or a rubric file")] = "bant",
) -> None:
    """Qualify every conversation of FILE and write one JSON line per conversation."""
    from leadline.qualify import TranscriptError, qualify_lines

    lines = _open_jsonl(file)
    backend, rub = _backend(), _rubric(rubric)
    out = sys.stdout
    try:
        for row in qualify_lines(lines, backend, rub):
            out.write(row + "\n")
    except TranscriptError as e:
        _fail(f"{file}: {e}")


@app.command("eval")
def eval_cmd(
    file: Annotated[Path, typer.Argument(help="labelled conversations (with `expected`)")],
    rubric: Annotated[str, typer.Option("--rubric", "-r")] = "bant",
    show_misses: Annotated[bool, typer.Option("--misses", help="list every disagreement")] = False,
) -> None:
    """Qualify FILE and print per-field metrics against its `expected` labels."""
    from leadline.evaluation import evaluate
    from leadline.qualify import TranscriptError, qualify_lines

    lines = _open_jsonl(file)
    try:
        preds = {json.loads(r)["id"]: json.loads(r) for r in qualify_lines(lines, _backend(), _rubric(rubric))}
    except TranscriptError as e:
        _fail(f"{file}: {e}")
    try:
        result = evaluate(lines, preds)
    except (KeyError, json.JSONDecodeError) as e:
        _fail(f"{file}: every line needs `expected` labels ({e})")
    for k, v in result["metrics"].items():
        typer.echo(f"{k:24} {v:.3f}")
    if show_misses:
        for m in result["misses"]:
            typer.echo("  miss " + m)


if __name__ == "__main__":
    app()
