"""Skill discovery through the `leadline.skills` entry-point group (built-ins register there too)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError

from skills.base import Skill

GROUP = "leadline.skills"
DEFAULT_ORDER = ("collect_lead", "sdr_lead_qualifier", "demo_scheduler")


class SkillConfigError(ValueError):
    pass


def installed_skill_names() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=GROUP)})


@cache
def skill_class(name: str) -> type[Skill]:
    """Load one skill's entry point (only the skills a workspace uses are imported)."""
    eps = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not eps:
        raise SkillConfigError(f"unknown skill {name!r}; installed: {', '.join(installed_skill_names())}")
    cls = eps[0].load()
    if getattr(cls, "name", None) != name:
        raise SkillConfigError(f"entry point {name!r} loads a skill named {getattr(cls, 'name', None)!r}")
    return cls


def build_skills(order: list[str] | tuple[str, ...] | None, configs: dict[str, dict[str, Any]] | None) -> list[Skill]:
    """Instantiate the workspace's skills in order, validating each config with its pydantic model."""
    configs = configs or {}
    out: list[Skill] = []
    for name in order or DEFAULT_ORDER:
        cls = skill_class(name)
        try:
            config = cls.Config.model_validate(configs.get(name, {}))
        except ValidationError as e:
            raise SkillConfigError(f"skill {name}: bad config: {e}") from None
        out.append(cls(config))
    return out
