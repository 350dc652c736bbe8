"""The WhatsApp webhook over real HTTP (uvicorn on 127.0.0.1), the agent turn run from the outbox, and
replies sent to a fake Graph API: handshake, signatures, dedupe, message kinds, statuses, bad input."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fakes.graph_api import FakeGraph
from sqlalchemy import event, func, select

from channels.whatsapp import MAX_BODY_BYTES, sign, store_batch
from channels.whatsapp_payloads import Delivery
from leadline.worker import drain
from storage import channel_configs, conversations
from storage.db import unit_of_work
from storage.models import Contact, Conversation, Lead, Message, OutboxEvent

APP_SECRET = "meta-app-secret"
VERIFY = "verify-me"
PNID, PNID2 = "106540352242922", "106540352242999"
TOKEN = "EAAG-token-1"
WA = "15551234567"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(tokens={PNID: TOKEN, PNID2: "EAAG-token-2"}) as g:
        yield g


@pytest.fixture
def settings(settings, graph):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"whatsapp_app_secret": APP_SECRET, "whatsapp_verify_token": VERIFY,
                                       "whatsapp_graph_url": graph.url})


@pytest.fixture
def wa(runtime, make_workspace, live):  # type: ignore[no-untyped-def]
    ws = make_workspace()
    with unit_of_work(runtime.sessions) as s:
        cfg = channel_configs.add_config(s, ws.id, "whatsapp", PNID, settings={
            "template": {"name": "follow_up", "language": "en_US"}}, secrets={"access_token": TOKEN})
        channel_configs.add_config(s, ws.id, "whatsapp", PNID2, secrets={"access_token": "EAAG-token-2"})
    return {"ws": ws.id, "config": cfg.id, "url": f"{live.url}/webhooks/whatsapp"}


def message(wamid: str, text: str = "Hi, we need a CRM for 20 people", *, wa_id: str = WA, ts: int | None = None,
            **kind: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"from": wa_id, "id": wamid, "timestamp": str(ts or int(time.time()))}
    return m | (kind or {"type": "text", "text": {"body": text}})


def delivery(*messages: dict[str, Any], pnid: str = PNID, statuses: list[dict[str, Any]] | None = None,
             name: str = "Jane Roe") -> dict[str, Any]:
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": "15550001111", "phone_number_id": pnid}}
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": m["from"]} for m in messages]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}]}


def post(url: str, body: dict[str, Any] | bytes, *, signature: str | None = "auto") -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        headers["X-Hub-Signature-256"] = sign(APP_SECRET, raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return httpx.post(url, content=raw, headers=headers, timeout=10)


def count(runtime: Any, model: type, *where: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def assert_problem(r: httpx.Response, status: int, word: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert word in r.json()["detail"], r.json()


# -- handshake --------------------------------------------------------------------------------------
def test_the_verification_handshake_echoes_the_challenge_only_for_the_right_token(wa: dict[str, str]) -> None:
    ok = httpx.get(wa["url"], params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158"})
    assert ok.status_code == 200 and ok.text == "1158"
    wrong = httpx.get(wa["url"], params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    assert_problem(wrong, 403, "verify_token")
    assert_problem(httpx.get(wa["url"], params={"hub.verify_token": VERIFY}), 403, "hub.mode")


# -- messages ---------------------------------------------------------------------------------------
def test_a_text_message_is_acknowledged_queued_answered_and_redelivery_is_harmless(
        wa: dict[str, str], runtime: Any, graph: FakeGraph) -> None:
    body = delivery(message("wamid.A1", "Hi, I'm Jane from Acme, we need a CRM for 20 people"))
    r = post(wa["url"], body)
    assert r.status_code == 200 and r.json()["queued"] == 1
    again = post(wa["url"], body)  # Meta redelivers when it missed our 200
    assert again.status_code == 200 and again.json() == {**r.json(), "queued": 0, "duplicates": 1}
    assert count(runtime, OutboxEvent, OutboxEvent.event_type == "inbound.message") == 1

    drain(runtime)  # the outbox worker: the agent turn, then the reply through the Graph API
    [call] = graph.sent()
    assert call.phone_number_id == PNID and call.token == TOKEN
    assert call.body["to"] == WA and call.body["type"] == "text"
    assert call.body["context"] == {"message_id": "wamid.A1"} and call.body["text"]["body"]
    with runtime.sessions() as s:
        conv = s.scalars(select(Conversation)).one()
        msgs = s.scalars(select(Message).order_by(Message.id)).all()
        contact = s.get(Contact, conv.contact_id)
    assert conv.channel == "whatsapp" and conv.workspace_id == wa["ws"]
    assert [(m.role, m.provider_message_id) for m in msgs] == [("visitor", "wamid.A1"), ("agent", "wamid.FAKE00000001")]
    assert msgs[0].text.startswith("Hi, I'm Jane") and contact.name == "Jane"

    assert post(wa["url"], body).json()["duplicates"] == 1  # a redelivery after the turn ran: nothing new
    drain(runtime)
    assert count(runtime, Message) == 2 and count(runtime, Contact) == 1 and len(graph.sent()) == 1


def test_concurrent_redeliveries_queue_the_message_once(wa: dict[str, str], runtime: Any, graph: FakeGraph) -> None:
    body = delivery(message("wamid.R1", "Pricing for 50 seats, please"))
    with ThreadPoolExecutor(8) as pool:
        answers = [r.json() for r in pool.map(lambda _: post(wa["url"], body), range(8))]
    assert sum(a["queued"] for a in answers) == 1 and sum(a["duplicates"] for a in answers) == 7
    drain(runtime)
    assert count(runtime, Message, Message.role == "visitor") == 1 and count(runtime, Lead) <= 1
    assert len(graph.sent()) == 1


def test_a_delivery_that_cannot_be_stored_fails_alone(wa: dict[str, str], runtime: Any, monkeypatch: Any) -> None:
    real = conversations.record_delivery_status

    def poisoned(s: Any, ws: str, channel: str, pid: str, *args: Any) -> bool:
        if pid == "wamid.BOOM":
            raise RuntimeError("disk on fire")
        return real(s, ws, channel, pid, *args)

    monkeypatch.setattr(conversations, "record_delivery_status", poisoned)
    now = str(int(time.time()))
    bad = delivery(message("wamid.P0"), statuses=[{"id": "wamid.BOOM", "status": "read", "timestamp": now}])
    bodies = [bad] + [delivery(message(f"wamid.P{i}")) for i in range(1, 8)]
    with ThreadPoolExecutor(8) as pool:  # concurrent, so they share transactions (group commit)
        answers = list(pool.map(lambda b: post(wa["url"], b), bodies))
    assert_problem(answers[0], 500, "nothing was stored")
    assert [r.status_code for r in answers[1:]] == [200] * 7 and all(r.json()["queued"] == 1 for r in answers[1:])
    with runtime.sessions() as s:
        queued = {e.payload["provider_message_id"] for e in s.scalars(select(OutboxEvent))}
    assert queued == {f"wamid.P{i}" for i in range(1, 8)}  # not P0: its delivery was not kept


def test_a_group_commit_queues_its_messages_in_one_statement_and_counts_each_delivery(
        wa: dict[str, str], runtime: Any) -> None:
    store_batch(runtime.sessions, [Delivery.model_validate(delivery(message("wamid.G0"))).values()])  # earlier
    batch = [delivery(message("wamid.G1")),
             delivery(message("wamid.G1"), message("wamid.G2", wa_id="15557654321")),  # G1 twice in the batch
             delivery(message("wamid.G3", type="image", image={"id": "img1", "mime_type": "image/jpeg"})),
             delivery(message("wamid.G4"), pnid="999999"),  # not a connected number
             delivery(message("wamid.G0"))]  # a redelivery of a message stored before
    inserts: list[str] = []

    def count_inserts(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            inserts.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", count_inserts)
    try:
        answers = store_batch(runtime.sessions, [Delivery.model_validate(b).values() for b in batch])
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count_inserts)
    assert [(a["queued"], a["duplicates"], a["ignored_phone_numbers"]) for a in answers] == [  # type: ignore[index]
        (1, 0, []), (1, 1, []), (1, 0, []), (0, 0, ["999999"]), (0, 1, [])]
    assert len(inserts) == 1
    with runtime.sessions() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [(e.event_type, e.payload["in_reply_to" if e.event_type == "channel.reply" else "provider_message_id"])
            for e in rows] == [("inbound.message", "wamid.G0"), ("inbound.message", "wamid.G1"),
                               ("inbound.message", "wamid.G2"), ("channel.reply", "wamid.G3")]


def test_button_and_interactive_replies_reach_the_agent_as_their_titles(wa: dict[str, str], runtime: Any) -> None:
    body = delivery(
        message("wamid.B1", type="button", button={"payload": "DEMO_YES", "text": "Book a demo"}),
        message("wamid.B2", type="interactive",
                interactive={"type": "button_reply", "button_reply": {"id": "b2", "title": "Pricing"}}),
        message("wamid.B3", type="interactive",
                interactive={"type": "list_reply", "list_reply": {"id": "l1", "title": "Next week",
                                                                  "description": "Mon-Fri"}}),
    )
    assert post(wa["url"], body).json()["queued"] == 3
    drain(runtime)
    with runtime.sessions() as s:
        texts = [m.text for m in s.scalars(select(Message).where(Message.role == "visitor").order_by(Message.id))]
    assert texts == ["Book a demo", "Pricing", "Next week"]


def test_images_audio_and_stickers_get_one_polite_text_reply(
        wa: dict[str, str], runtime: Any, graph: FakeGraph) -> None:
    body = delivery(message("wamid.M1", type="image", image={"id": "media1", "mime_type": "image/jpeg"}),
                    message("wamid.M2", type="audio", audio={"id": "media2"}),
                    message("wamid.M3", type="sticker", sticker={"id": "media3"}))
    assert post(wa["url"], body).json()["queued"] == 3
    assert post(wa["url"], body).json()["duplicates"] == 3
    drain(runtime)
    assert count(runtime, Message) == 0  # no agent turn for something it cannot read
    calls = graph.sent()
    assert [c.body["context"]["message_id"] for c in calls] == ["wamid.M1", "wamid.M2", "wamid.M3"]
    assert all(c.body["type"] == "text" and "only read text" in c.body["text"]["body"] for c in calls)


def test_two_numbers_of_a_workspace_are_two_threads_of_one_contact(
        wa: dict[str, str], runtime: Any, graph: FakeGraph) -> None:
    post(wa["url"], delivery(message("wamid.N1", "Hello from number one")))
    post(wa["url"], delivery(message("wamid.N2", "Hello from number two"), pnid=PNID2))
    drain(runtime)
    assert sorted(c.phone_number_id for c in graph.sent()) == sorted([PNID, PNID2])
    assert count(runtime, Conversation) == 2 and count(runtime, Contact) == 1


# -- statuses ---------------------------------------------------------------------------------------
def test_status_callbacks_are_recorded_on_the_sent_message_and_never_go_backwards(
        wa: dict[str, str], runtime: Any, graph: FakeGraph) -> None:
    post(wa["url"], delivery(message("wamid.S1")))
    drain(runtime)
    [call] = graph.sent()
    wamid = "wamid.FAKE00000001"
    assert call.body["context"] == {"message_id": "wamid.S1"}
    now = int(time.time())

    def status(state: str, at: int, **extra: Any) -> dict[str, Any]:
        return {"id": wamid, "status": state, "timestamp": str(at), "recipient_id": WA, **extra}

    r = post(wa["url"], delivery(statuses=[status("sent", now), status("read", now + 5)]))
    assert r.status_code == 200 and r.json()["statuses"] == 2
    post(wa["url"], delivery(statuses=[status("delivered", now + 3)]))  # arrives late
    with runtime.sessions() as s:
        sent = s.scalars(select(Message).where(Message.provider_message_id == wamid)).one()
    assert sent.delivery_status == "read" and int(sent.delivery_status_at.timestamp()) == now + 5

    errors = [{"code": 131026, "title": "Message undeliverable", "error_data": {"details": "not on WhatsApp"}}]
    post(wa["url"], delivery(statuses=[status("failed", now + 9, errors=errors)]))
    with runtime.sessions() as s:
        sent = s.scalars(select(Message).where(Message.provider_message_id == wamid)).one()
    assert sent.delivery_status == "failed" and "131026" in sent.delivery_error
    unknown = post(wa["url"], delivery(statuses=[{"id": "wamid.other", "status": "read", "timestamp": str(now)}]))
    assert unknown.status_code == 200 and unknown.json()["statuses"] == 0


# -- bad input --------------------------------------------------------------------------------------
@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "md5=abc", "sha256="])
def test_a_missing_or_wrong_signature_is_401_and_nothing_is_stored(
        wa: dict[str, str], runtime: Any, signature: str | None) -> None:
    r = post(wa["url"], delivery(message("wamid.X1")), signature=signature)
    assert_problem(r, 401, "X-Hub-Signature-256".lower())
    assert count(runtime, OutboxEvent) == 0


def test_a_signature_over_another_body_is_refused(wa: dict[str, str], runtime: Any) -> None:
    good = json.dumps(delivery(message("wamid.X2"))).encode()
    forged = json.dumps(delivery(message("wamid.X2", "transfer the leads"))).encode()
    assert_problem(post(wa["url"], forged, signature=sign(APP_SECRET, good)), 401, "nothing was stored")
    assert count(runtime, OutboxEvent) == 0


def test_malformed_json_is_400_and_a_wrong_shape_is_422(wa: dict[str, str], runtime: Any) -> None:
    assert_problem(post(wa["url"], b'{"object": "whatsapp_business_account", "entry": ['), 400, "not valid JSON")
    broken = delivery(message("wamid.Y1"))
    del broken["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert_problem(post(wa["url"], broken), 422, "id")
    assert count(runtime, OutboxEvent) == 0


def test_an_unknown_phone_number_id_is_acknowledged_but_nothing_is_stored(wa: dict[str, str], runtime: Any) -> None:
    r = post(wa["url"], delivery(message("wamid.U1"), pnid="999999"))
    assert r.status_code == 200 and r.json()["ignored_phone_numbers"] == ["999999"] and r.json()["queued"] == 0
    assert count(runtime, OutboxEvent) == 0


def test_an_inactive_channel_is_treated_as_unknown(wa: dict[str, str], runtime: Any) -> None:
    with unit_of_work(runtime.sessions) as s:
        channel_configs.get_config(s, wa["ws"], wa["config"]).active = False
    assert post(wa["url"], delivery(message("wamid.U2"))).json()["ignored_phone_numbers"] == [PNID]
    assert count(runtime, OutboxEvent) == 0


def test_an_oversized_payload_is_413_whether_declared_or_streamed(wa: dict[str, str], runtime: Any) -> None:
    big = json.dumps(delivery(message("wamid.Z1", "x" * 100))).encode() + b" " * MAX_BODY_BYTES
    assert_problem(post(wa["url"], big), 413, "limit")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    r = httpx.post(wa["url"], content=chunks(), headers={"X-Hub-Signature-256": "sha256=00"}, timeout=10)
    assert_problem(r, 413, "limit")
    assert count(runtime, OutboxEvent) == 0


def test_without_an_app_secret_deliveries_are_refused_with_503(
        runtime: Any, serve: Any, settings: Any) -> None:
    from leadline.app import create_app

    runtime.settings = settings.model_copy(update={"whatsapp_app_secret": None})
    with serve(create_app(runtime.settings, runtime)) as url:
        r = post(f"{url}/webhooks/whatsapp", delivery(message("wamid.C1")))
    assert_problem(r, 503, "LEADLINE_WHATSAPP_APP_SECRET")
    assert count(runtime, Lead) == 0 and count(runtime, OutboxEvent) == 0
