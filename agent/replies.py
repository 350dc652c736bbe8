"""Composing the reply from what the skills said (jinja2 template in agent/templates)."""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("agent", "templates"),
        autoescape=False,  # plain text for chat channels; the widget escapes when rendering
        keep_trailing_newline=False,
    )
    return env.get_template("reply.j2")


def compose(statements: list[str], question: str | None, *, first_turn: bool, not_a_buyer: bool) -> str:
    return _template().render(
        statements=statements, question=question, first_turn=first_turn, not_a_buyer=not_a_buyer
    ).strip()
