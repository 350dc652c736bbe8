"""Automation test fixtures: workspaces, a conversation through the real agent that makes a hot
lead, and readers of the outbox. Helpers are fixtures because test modules are imported by path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from agent.types import InboundMessage
from storage.db import unit_of_work
from storage.models import OutboxEvent
from storage.workspaces import create_workspace

AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday
# Budget, authority, need, timing: 100 points with the built-in BANT rubric, hot on the last line.
HOT_TALK = (
    "Hi, could you send pricing? I'm maria@brightpath.io",
    "yes",
    "We have $40k a year budgeted and I sign off on it myself.",
    "Our funnel reports take days to build, we can't see where users drop off.",
    "We need to decide next month.",
)


@pytest.fixture
def hot_talk() -> tuple[str, ...]:
    return HOT_TALK


@pytest.fixture
def make_workspace(runtime: Any) -> Callable[..., str]:
    def make(name: str = "Acme", **settings: Any) -> str:
        with unit_of_work(runtime.sessions) as s:
            return create_workspace(s, name, settings={"rubric": "bant", **settings}).id

    return make


@pytest.fixture
def talk(runtime: Any) -> Callable[..., list[Any]]:
    """Send visitor messages through the real agent; returns the replies."""

    def run(ws: str, lines: tuple[str, ...] | list[str] = HOT_TALK, *, who: str = "v1", at: datetime = AT) -> list[Any]:
        return [runtime.agent.handle(InboundMessage(workspace_id=ws, channel="widget", sender_id=who,
                                                    thread_id=who, text=t, received_at=at)) for t in lines]

    return run


@pytest.fixture
def events(runtime: Any) -> Callable[..., list[dict[str, Any]]]:
    """Payloads of the outbox events of a type (all facts when no type), oldest first."""

    def read(event_type: str | None = None, *, lead_id: str | None = None) -> list[dict[str, Any]]:
        with runtime.sessions() as s:
            stmt = select(OutboxEvent).order_by(OutboxEvent.id)
            if event_type is not None:
                stmt = stmt.where(OutboxEvent.event_type == event_type)
            rows = [e.payload for e in s.scalars(stmt)]
        return [p for p in rows if lead_id is None or p.get("lead_id") == lead_id]

    return read


@pytest.fixture
def problem_json() -> Callable[..., dict[str, Any]]:
    """Assert an RFC 9457 problem document with this status; returns its body."""

    def check(r: Any, status: int) -> dict[str, Any]:
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["status"] == status and body["detail"] and body["title"]
        return body

    return check
