"""Worker test fixtures: a runtime with fast retries and short timeouts, a workspace, builders for
subscriptions and lead events, and a conversation that makes a lead hot through the real agent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from agent.types import InboundMessage
from leadline.runtime import build_runtime
from storage import outbox, subscriptions
from storage.db import unit_of_work
from storage.workspaces import create_workspace

HOT_CONVERSATION = [
    "Hi, we'd like a demo of the Business plan for our sales team.",
    "I'm Maria Lopez, VP Sales at BrightPath, maria.lopez@brightpath.io",
    "yes, that's fine",
    "We have around $30k a year set aside and I sign off on it myself.",
    "We need to replace our spreadsheet lead tracking because we lose leads, and we want to go live this month.",
]


@pytest.fixture
def fast_settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={
        "worker_retry_base_seconds": 0.05, "worker_retry_max_seconds": 0.2, "webhook_timeout_seconds": 0.5,
        "worker_max_attempts": 4, "worker_poll_seconds": 0.05, "public_url": "https://leads.example.com",
    })


@pytest.fixture
def rt(fast_settings) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    runtime = build_runtime(fast_settings)
    yield runtime
    runtime.close()


@pytest.fixture
def ws_id(rt) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(rt.sessions) as s:
        return create_workspace(s, "Acme", settings={"rubric": "bant"}).id


@pytest.fixture
def subscribe(rt) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    def make(ws: str, kind: str, events: list[str], settings: dict[str, Any], secrets: dict[str, Any]) -> str:
        with unit_of_work(rt.sessions) as s:
            return subscriptions.add_subscription(s, ws, kind, events, settings=settings, secrets=secrets).id

    return make


@pytest.fixture
def emit(rt) -> Callable[..., list[str]]:  # type: ignore[no-untyped-def]
    """Queue `n` lead events in one commit, as the agent writes them; returns their event ids."""

    def make(ws: str, event_type: str = "lead.captured", n: int = 1, lead_id: str | None = None,
             data: dict[str, Any] | None = None) -> list[str]:
        with unit_of_work(rt.sessions) as s:
            return [outbox.enqueue(s, ws, event_type, {
                "type": event_type, "workspace_id": ws, "lead_id": lead_id, "contact_id": None,
                "conversation_id": None, "channel": "widget", "occurred_at": "2026-11-23T12:00:00+00:00",
                "data": dict(data or {}, n=i)}).event_id for i in range(n)]

    return make


@pytest.fixture
def hot_lead(rt) -> Callable[[str], str]:  # type: ignore[no-untyped-def]
    def run(ws: str, who: str = "visitor-1") -> str:
        lead_id = None
        for text in HOT_CONVERSATION:
            reply = rt.agent.handle(InboundMessage(workspace_id=ws, channel="widget", sender_id=who,
                                                   thread_id=who, text=text))
            lead_id = reply.lead_id or lead_id
        assert reply.band == "hot" and "lead.qualified" in reply.events
        assert lead_id is not None
        return lead_id

    return run
