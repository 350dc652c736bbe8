"""Parse rubric YAML with error messages that name the field, its line and the reason.

Every problem reads "field (line N): why", e.g. "dimensions[2].signal (line 27): 'budjet' is not
a signal; use one of: budget, authority, need, timing". The reasons are written for someone
editing YAML, not for someone reading pydantic's internals.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from agent.extraction.base import Signal
from skills.rubric import (
    DEFER_CONSISTENCY,
    Band,
    BudgetRule,
    Dimension,
    Loc,
    Rubric,
    RubricError,
    TimingRule,
    rubric_consistency,
)

_DOCS = "see docs/rubrics.md"
_EMPTY = f"the file is empty; a rubric needs name, title, dimensions and bands ({_DOCS})"


# --- locating fields in the YAML ---------------------------------------------------------------
def _line_of(root: yaml.Node | None, loc: Loc) -> int:
    """The 1-based line of the field at `loc`: the line of its key for a mapping entry, of the
    item for a list entry; the nearest existing parent when the field is missing."""
    node, line = root, (root.start_mark.line + 1) if root is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            # The last match is the one YAML keeps when a key is repeated.
            match = [(k, v) for k, v in node.value if getattr(k, "value", None) == part]
            if not match:
                break
            key, node = match[-1]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _field_name(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _duplicate_keys(root: yaml.Node) -> list[tuple[int, str]]:
    """Keys given twice in one mapping. YAML silently keeps the last, which hides typos such as
    two `weight:` lines in one dimension, so they are reported instead."""
    found: list[tuple[int, str]] = []
    seen_nodes: set[int] = set()

    def walk(node: yaml.Node, loc: Loc) -> None:
        if id(node) in seen_nodes:  # aliases can point back at a node already walked
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for k, v in node.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else None
                if name is not None and name != "<<":
                    line = k.start_mark.line + 1
                    if name in first:
                        found.append((line, f"{_field_name((*loc, name))} (line {line}): given twice in one "
                                            f"mapping (first on line {first[name]}); remove one, YAML would "
                                            "silently keep only the last"))
                    first.setdefault(name, line)
                walk(v, (*loc, name) if name is not None else loc)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*loc, i))

    walk(root, ())
    return found


def _yaml_error(e: yaml.YAMLError) -> tuple[int, str]:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    context, context_mark = getattr(e, "context", None), getattr(e, "context_mark", None)
    if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
        context += f" (from line {context_mark.line + 1})"  # e.g. where an unclosed [ or { opened
    why = f"{context}, {problem}" if context else problem
    if mark is None:
        return 1, f"(top level) (line 1): not valid YAML: {why}"
    line = mark.line + 1
    hint = " (YAML indents with spaces, not tabs)" if "\\t" in problem or "tab" in problem else ""
    return line, f"(yaml) (line {line}, column {mark.column + 1}): not valid YAML: {why}{hint}"


# --- turning pydantic errors into plain reasons ------------------------------------------------
def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The schema model whose fields live at `loc` (for 'did you mean' on unknown fields)."""
    shapes: list[tuple[tuple[type | str, ...], type[BaseModel]]] = [
        ((), Rubric),
        (("dimensions", int), Dimension),
        (("bands", int), Band),
        (("dimensions", int, "budget"), BudgetRule),
        (("dimensions", int, "timing"), TimingRule),
    ]
    for shape, model in shapes:
        if len(shape) == len(loc) and all(
            (isinstance(p, int) if s is int else p == s) for s, p in zip(shape, loc, strict=True)
        ):
            return model
    return None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return (f"{str(value).lower()} (YAML reads yes/no/on/off/true/false as true/false; "
                "quote it if you meant text)")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _suggest_id(value: str) -> str:
    guess = re.sub(r"[^a-z0-9_]+", "_", value.strip().lower()).strip("_")
    guess = re.sub(r"^[^a-z]+", "", guess)
    return f" (e.g. {guess!r})" if guess and guess != value else ""


def _reason(err: dict[str, Any], loc: Loc) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    field = loc[-1] if loc else None
    got = f"; got {_describe(value)}"
    if kind == "missing":
        return "missing; this field is required"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(field), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown field {field!r}{hint}; allowed here: {', '.join(allowed)}" if allowed else (
            f"unknown field {field!r} ({_DOCS})")
    if kind == "enum" and field == "signal":
        return f"{value!r} is not a signal; use one of: {', '.join(s.value for s in Signal)}"
    if kind == "literal_error" and loc[-1:] == ("[key]",):
        return f"{loc[-2]!r} is not a level; level_factors takes strong and weak (none always earns 0)"
    if kind in ("enum", "literal_error"):
        return f"{_describe(value)} is not allowed; use one of: {ctx.get('expected', '?')}"
    if kind == "string_pattern_mismatch":
        if not isinstance(value, str):
            return f"must be text{got}"
        return (f"{value!r} is not a valid id: use lower-case letters, digits and _, starting with a "
                f"letter{_suggest_id(value)}")
    if kind == "bool_not_number":
        return f"must be a number{got}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number{got}"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"must be a number{got}"
    if kind == "string_type":
        return f"must be text{got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        model = _model_at(loc)
        fields = f" with fields {', '.join(model.model_fields)}" if model else ""
        return f"must be a mapping (field: value lines){fields}{got}"
    if kind == "list_type":
        return f"must be a list (one '- ' item per entry){got}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {_num(ctx.get('ge', ctx.get('gt')))}{got}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {_num(ctx.get('le', ctx.get('lt')))}{got}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s); the list is empty"
    if kind == "string_too_short":
        return f"must be at least {ctx.get('min_length')} characters{got}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return msg if isinstance(value, dict | list) or kind == "value_error" else f"{msg}{got}"


def _weight_sum_early(root: yaml.Node, data: dict[str, Any]) -> list[tuple[int, str]]:
    """The weight total when other fields fail validation (which skips the cross-field checks),
    so one run reports a wrong sum together with, say, a misspelled signal."""
    dims = data.get("dimensions")
    if not isinstance(dims, list) or not dims or not all(isinstance(d, dict) for d in dims):
        return []
    weights = [d.get("weight") for d in dims]
    if not all(isinstance(w, int) and not isinstance(w, bool) and 0 <= w <= 100 for w in weights):
        return []  # those weights have their own errors already
    total = sum(w for w in weights if isinstance(w, int))
    if total == 100:
        return []
    parts = " + ".join(f"{d.get('key', f'[{i}]')} {d['weight']}" for i, d in enumerate(dims))
    line = _line_of(root, ("dimensions",))
    return [(line, f"dimensions (line {line}): dimension weights must add up to 100; "
                   f"they add up to {total} ({parts})")]


# --- public API --------------------------------------------------------------------------------
def rubric_problems(text: str, source: str = "rubric") -> list[str]:
    """Every problem of a rubric file as 'field (line N): why', in line order; empty when the
    file is valid. The lines do not name the file (callers prefix it); `source` is accepted for
    symmetry with parse_rubric_text."""
    if not text.strip():
        return [f"(top level) (line 1): {_EMPTY}"]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return [_yaml_error(e)[1]]
    if root is None or data is None:  # only comments, or a bare '---'
        return [f"(top level) (line 1): {_EMPTY}"]
    found = _duplicate_keys(root)
    if not isinstance(data, dict):
        line = root.start_mark.line + 1
        return [f"(top level) (line {line}): a rubric file must be a mapping with name, title, dimensions "
                f"and bands; this one is {_describe(data)} ({_DOCS})"]
    try:
        rubric = Rubric.model_validate(data, context={DEFER_CONSISTENCY: True})
    except ValidationError as e:
        for err in e.errors(include_url=False):
            # pydantic adds validator names such as "function-after[...]" to locations; drop them.
            loc: Loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            line = _line_of(root, loc)
            shown = loc[:-1] if loc[-1:] == ("[key]",) else loc
            found.append((line, f"{_field_name(shown)} (line {line}): {_reason(dict(err), loc)}"))
        found.extend(_weight_sum_early(root, data))
    else:
        for loc, why in rubric_consistency(rubric):
            line = _line_of(root, loc)
            found.append((line, f"{_field_name(loc)} (line {line}): {why}"))
    return [msg for _, msg in sorted(found, key=lambda p: p[0])]


def parse_rubric_text(text: str, source: str = "rubric") -> Rubric:
    """A validated Rubric from YAML text, or RubricError listing every problem."""
    problems = rubric_problems(text, source)
    if problems:
        raise RubricError(source, problems)
    return Rubric.model_validate(yaml.safe_load(text))
