"""API test fixtures: the real app on the per-test database, two workspaces with keys of each
scope, and small builders that write leads through storage functions. Helpers are handed out as
fixtures (`make_lead`, `problem`, `auth`) because test modules are imported by path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadline.app import create_app
from storage import contacts, conversations, leads
from storage.api_keys import create_api_key
from storage.db import unit_of_work
from storage.workspaces import create_workspace

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@dataclass
class Ws:
    id: str
    public_key: str
    admin: str
    member: str
    reader: str


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    return _auth


def _workspace(runtime: Any, name: str) -> Ws:
    with unit_of_work(runtime.sessions) as s:
        ws = create_workspace(s, name, settings={"rubric": "bant"})
        keys = [create_api_key(s, ws.id, name=n, scopes=sc)[1]
                for n, sc in (("admin", ["admin"]), ("member", ["read", "write"]), ("reader", ["read"]))]
        return Ws(ws.id, ws.public_key, *keys)


@pytest.fixture
def ws(runtime: Any) -> Ws:
    return _workspace(runtime, "Acme")


@pytest.fixture
def other(runtime: Any) -> Ws:
    return _workspace(runtime, "Globex")


@pytest.fixture
def client(runtime: Any) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime)) as c:
        yield c


@pytest.fixture
def bant() -> dict[str, Any]:
    return {k: dict(v) for k, v in BANT.items()}


BANT = {
    "budget": {"key": "budget", "label": "Budget", "level": "strong", "points": 25,
               "evidence": "we have $40k a year", "message_index": 0},
    "authority": {"key": "authority", "label": "Authority", "level": "strong", "points": 25,
                  "evidence": "I sign off on it", "message_index": 1},
    "need": {"key": "need", "label": "Need", "level": "weak", "points": 10, "evidence": "reports take days",
             "message_index": 1},
    "timing": {"key": "timing", "label": "Timing", "level": "none", "points": 0, "evidence": None,
               "message_index": None},
}


@pytest.fixture
def make_lead(runtime: Any) -> Callable[..., str]:
    return lambda ws_id, email, **kw: _make_lead(runtime, ws_id, email, **kw)


def _make_lead(runtime: Any, ws_id: str, email: str, *, name: str = "Jane Roe", company: str | None = "Acme Corp",
              phone: str | None = None, score: int | None = None, band: str | None = None, stage: str | None = None,
              source: str = "website", channel: str | None = "widget", tags: list[str] | None = None,
              deal_value_cents: int | None = None, at: datetime = T0, messages: list[str] | None = None,
              breakdown: dict[str, Any] | None = None, sync_status: str | None = None) -> str:
    """A lead as the agent leaves it: contact, conversation with messages, score, stage."""
    with unit_of_work(runtime.sessions) as s:
        c = contacts.contact_for_identity(s, ws_id, channel or "widget", f"visitor-{email}")
        c = contacts.set_contact_fields(s, c, name=name, email=email, phone=phone, company=company)
        if messages:
            conv = conversations.conversation_for_thread(s, ws_id, c.id, channel or "widget", f"thread-{email}")
            for i, text in enumerate(messages):
                conversations.add_message(s, conv, "visitor" if i % 2 == 0 else "agent", text,
                                          at=at + timedelta(minutes=i))
        lead = leads.create_lead(s, ws_id, c.id, source=source, channel=channel, at=at)
        if score is not None:
            leads.record_score(s, lead, rubric="bant", score=score, band=band or "cold",
                               breakdown=breakdown or {}, reason="conversation", at=at)
        if stage:
            leads.move_stage(s, lead, stage, actor="test", at=at)
        lead.tags = tags or []
        lead.deal_value_cents = deal_value_cents
        if sync_status:
            lead.crm_sync_status = sync_status
        return lead.id


@pytest.fixture
def problem() -> Callable[..., dict[str, Any]]:
    return _assert_problem


def _assert_problem(r: Any, status: int, *words: str) -> dict[str, Any]:
    """An RFC 9457 problem document with this status whose detail mentions every word."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status and body["detail"] and body["title"]
    for w in words:
        assert w in body["detail"], (w, body["detail"])
    return body
