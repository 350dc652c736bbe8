"""`leadline rubric ...`: check a rubric file, list the built-in rubrics, show one.

Exit codes of `check`: 0 valid, 1 the file has problems (one line each, "FILE: field (line N):
why"), 2 the file cannot be read at all. The commands import the rubric code lazily so that
`leadline --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from skills.rubric import Rubric

rubric_app = typer.Typer(
    help="Rubric files: check one, list the built-ins, show a rubric's dimensions (docs/rubrics.md).",
    no_args_is_help=True,
)


def _read(path: Path) -> str | None:
    """The file's text, or None after printing why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        why = "no such file"
    except IsADirectoryError:
        why = "is a directory, not a rubric file"
    except PermissionError:
        why = "permission denied"
    except UnicodeDecodeError as e:
        why = f"not UTF-8 text (byte {e.start})"
    except OSError as e:
        why = f"cannot read the file ({e.strerror or e})"
    typer.echo(f"error: {path}: {why}", err=True)
    return None


@rubric_app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="rubric YAML file(s) to validate", metavar="FILE")],
) -> None:
    """Validate rubric files: print OK, or every problem with its field and line."""
    from skills.rubric_files import parse_rubric_text, rubric_problems

    code = 0
    for path in files:
        text = _read(path)
        if text is None:
            code = 2
            continue
        problems = rubric_problems(text, str(path))
        if problems:
            for problem in problems:
                typer.echo(f"{path}: {problem}")
            code = max(code, 1)
            continue
        rubric = parse_rubric_text(text, str(path))
        total = sum(d.weight for d in rubric.dimensions)
        typer.echo(f"OK: {rubric.name} ({len(rubric.dimensions)} dimensions, weights sum to {total})")
    raise typer.Exit(code)


@rubric_app.command("list")
def list_cmd() -> None:
    """List the built-in rubrics (usable as --rubric NAME)."""
    from skills.rubric import builtin_rubric, builtin_rubric_names

    names = builtin_rubric_names()
    width = max((len(n) for n in names), default=0)
    for name in names:
        r = builtin_rubric(name)
        keys = ", ".join(d.key for d in r.dimensions)
        typer.echo(f"{name:<{width}}  {r.title} - {len(r.dimensions)} dimensions: {keys}")


@rubric_app.command()
def show(
    name: Annotated[str, typer.Argument(help="built-in rubric name or a rubric file", metavar="NAME")],
    as_json: Annotated[bool, typer.Option("--json", help="print the validated rubric as JSON")] = False,
) -> None:
    """Print a rubric's dimensions, their rules and questions, and its bands."""
    from skills.rubric import RubricError, builtin_rubric, builtin_rubric_names
    from skills.rubric_files import parse_rubric_text

    path = Path(name)
    try:
        if path.suffix in (".yaml", ".yml") or path.exists():
            text = _read(path)
            if text is None:
                raise typer.Exit(2)
            rubric = parse_rubric_text(text, str(path))
        elif name in builtin_rubric_names():
            rubric = builtin_rubric(name)
        else:
            typer.echo(f"error: no built-in rubric or file named {name!r}; built-ins: "
                       f"{', '.join(builtin_rubric_names())}", err=True)
            raise typer.Exit(2)
    except RubricError as e:
        for problem in e.problems:
            typer.echo(f"{e.source}: {problem}")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(rubric.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    for line in describe(rubric):
        typer.echo(line)


def _rule(rubric: Rubric, index: int) -> str:
    """How a dimension's level is decided, in one phrase."""
    from agent.extraction.base import Signal
    from skills.rubric import TimingRule

    d = rubric.dimensions[index]
    if d.signal is Signal.budget and d.budget is not None:
        return (f"an amount is strong at >= {d.budget.min_yearly_amount:,g}/year, else weak; "
                "no amount: the extractor's grade")
    if d.signal is Signal.timing:
        t = d.timing or TimingRule()  # the same defaults level_of applies
        return (f"a date is strong within {t.strong_within_days} days, weak within {t.weak_within_days}, "
                "later none; no date: the extractor's grade")
    return "the extractor's grade"


def describe(rubric: Rubric) -> list[str]:
    """Human-readable lines for `show`: header, dimensions, bands."""
    factors = ", ".join(f"{level} x{f:g}" for level, f in rubric.level_factors.items())
    out = [f"{rubric.name}: {rubric.title}"]
    if rubric.description:
        out.append("  " + " ".join(rubric.description.split()))
    out.append(f"levels: {factors}, none x0; hot at {rubric.hot_threshold}")
    out.append(f"dimensions (weights sum to {sum(d.weight for d in rubric.dimensions)}):")
    key_w = max(len(d.key) for d in rubric.dimensions)
    for i, d in enumerate(rubric.dimensions):
        out.append(f"  {d.key:<{key_w}}  {d.weight:>3}  signal {d.signal.value:<9}  {d.label}: {_rule(rubric, i)}")
        out.append(f"  {'':<{key_w}}       asks: {d.question}")
    out.append("bands:")
    for b in sorted(rubric.bands, key=lambda b: -b.min_score):
        meaning = f"  {b.meaning}" if b.meaning else ""
        out.append(f"  {b.name:<10} >= {b.min_score:>3}{meaning}")
    return out
