"""Parse rubric YAML with error messages that name the field, its line and the reason."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from skills.rubric import Rubric, RubricError


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location (nearest existing parent)."""
    node, line = root, (root.start_mark.line + 1) if root is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def rubric_problems(text: str, source: str = "rubric") -> list[str]:
    """Every problem of a rubric file as 'field (line N): why'; empty when the file is valid."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        return [f"not valid YAML at {where}: {getattr(e, 'problem', None) or e}"]
    if not isinstance(data, dict):
        return ["(top level) (line 1): a rubric file must be a mapping with name, title, dimensions and bands"]
    try:
        Rubric.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            line = _line_of(root, loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling; see docs/rubrics.md)"
            problems.append(f"{_field_name(loc)} (line {line}): {msg}")
        return problems
    return []


def parse_rubric_text(text: str, source: str = "rubric") -> Rubric:
    problems = rubric_problems(text, source)
    if problems:
        raise RubricError(source, problems)
    return Rubric.model_validate(yaml.safe_load(text))
