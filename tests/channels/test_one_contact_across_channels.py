"""One person, one contact across channels (issue 4, SPEC L3): the same e-mail given on WhatsApp and on
the website widget merges the contacts without losing messages, scores or consents, and each channel
thread stays its own conversation on the lead's timeline. Real parts end to end: the signed WhatsApp
webhook and the widget API over HTTP, the agent turns from the outbox, replies to a fake Graph API,
and the lead read back through the REST API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fakes.graph_api import FakeGraph
from sqlalchemy import func, select

from channels.whatsapp import sign
from leadline.worker import drain
from storage import channel_configs
from storage.api_keys import create_api_key
from storage.db import unit_of_work
from storage.models import Consent, Contact, Lead, LeadScore, Message

SECRET, PNID, TOKEN, WA = "app-secret", "1065403522", "EAAG-x", "4915112345678"
EMAIL = "jane.roe@acme.io"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(tokens={PNID: TOKEN}) as g:
        yield g


@pytest.fixture
def settings(settings, graph):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"whatsapp_app_secret": SECRET, "whatsapp_graph_url": graph.url})


class Person:
    """Jane, talking to the workspace on WhatsApp and on the website."""

    def __init__(self, live: Any, runtime: Any, ws: Any, graph: FakeGraph) -> None:
        self.live, self.runtime, self.ws, self.graph = live, runtime, ws, graph
        self.web = httpx.Client(base_url=live.url, timeout=10)
        self.n = 0
        self.widget_token: str | None = None

    def whatsapp(self, text: str) -> None:
        self.n += 1
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp", "metadata": {"phone_number_id": PNID},
                "contacts": [{"profile": {"name": "Jane"}, "wa_id": WA}],
                "messages": [{"from": WA, "id": f"wamid.J{self.n}", "timestamp": str(int(time.time())),
                              "type": "text", "text": {"body": text}}]}}]}]}).encode()
        r = self.web.post("/webhooks/whatsapp", content=body, headers={"X-Hub-Signature-256": sign(SECRET, body)})
        assert r.status_code == 200 and r.json()["queued"] == 1, r.text
        sent = len(self.graph.sent())
        drain(self.runtime)  # the outbox worker runs the turn and sends the reply
        assert len(self.graph.sent()) == sent + 1

    def widget(self, text: str) -> None:
        self.n += 1
        base = f"/widget/v1/{self.ws.public_key}"
        if self.widget_token is None:
            self.widget_token = self.web.post(f"{base}/session", json={}).json()["token"]
        r = self.web.post(f"{base}/messages", json={"text": text, "client_message_id": f"m{self.n}"},
                          headers={"Authorization": f"Bearer {self.widget_token}"})
        assert r.status_code == 200, r.text


@pytest.fixture
def jane(live: Any, runtime: Any, make_workspace: Any, graph: FakeGraph) -> Iterator[Person]:
    ws = make_workspace()
    with unit_of_work(runtime.sessions) as s:
        channel_configs.add_config(s, ws.id, "whatsapp", PNID, secrets={"access_token": TOKEN})
    person = Person(live, runtime, ws, graph)
    yield person
    person.web.close()


def lead_detail(person: Person) -> dict[str, Any]:
    with unit_of_work(person.runtime.sessions) as s:
        _, key = create_api_key(s, person.ws.id, name="t", scopes=["read"])
        [lead_id] = s.scalars(select(Lead.id).where(Lead.deleted_at.is_(None))).all()
    r = person.web.get(f"/v1/leads/{lead_id}", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    return r.json()


def live_contacts(runtime: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(Contact).where(Contact.merged_into_id.is_(None))) or 0


def _check_one_lead_two_threads(person: Person, scores_before: int, consents_before: int) -> None:
    detail = lead_detail(person)
    by_conv: dict[str, set[str]] = {}
    for m in detail["transcript"]:
        by_conv.setdefault(m["conversation_id"], set()).add(m["channel"])
    assert sorted(next(iter(c)) for c in by_conv.values()) == ["whatsapp", "widget"]  # two threads, one lead
    with person.runtime.sessions() as s:
        assert len(detail["transcript"]) == s.scalar(select(func.count()).select_from(Message))  # none lost
        assert s.scalar(select(func.count()).select_from(LeadScore)) >= scores_before
        assert len(detail["score_history"]) == s.scalar(select(func.count()).select_from(LeadScore))
        assert s.scalar(select(func.count()).select_from(Consent)) == consents_before == len(detail["consents"])
    assert live_contacts(person.runtime) == 1
    assert detail["email"] == EMAIL


def test_whatsapp_first_then_the_widget_with_the_same_email(jane: Person) -> None:
    jane.whatsapp("Hi, could you send pricing for the Business plan?")
    jane.whatsapp(f"Sure, it's {EMAIL}")
    jane.whatsapp("yes, that's fine")
    jane.whatsapp("We have around $30k a year set aside and I sign off on it myself.")
    with jane.runtime.sessions() as s:
        scores = s.scalar(select(func.count()).select_from(LeadScore)) or 0
        consents = s.scalar(select(func.count()).select_from(Consent)) or 0
    assert scores >= 1 and consents == 1 and live_contacts(jane.runtime) == 1

    jane.widget(f"Hello again, this is Jane ({EMAIL}); can we book a demo next week?")
    _check_one_lead_two_threads(jane, scores, consents)
    jane.whatsapp("Thanks! Tuesday works.")  # WhatsApp still reaches the merged contact's thread
    assert live_contacts(jane.runtime) == 1


def test_widget_first_then_whatsapp_with_the_same_email(jane: Person) -> None:
    jane.widget("Hi, could you send pricing for the Business plan?")
    jane.widget(f"Sure, it's {EMAIL}")
    jane.widget("yes, that's fine")
    with jane.runtime.sessions() as s:
        scores = s.scalar(select(func.count()).select_from(LeadScore)) or 0
        consents = s.scalar(select(func.count()).select_from(Consent)) or 0
    assert consents == 1

    jane.whatsapp(f"Hi, Jane here ({EMAIL}). We have about $30k a year and I decide.")
    _check_one_lead_two_threads(jane, scores, consents)
