"""Sending replies through the Graph API (a fake on 127.0.0.1): free text inside the 24-hour window,
the configured template outside it or when Meta answers 131047, and errors the worker can act on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakes.graph_api import FakeGraph, graph_error

from agent.types import InboundMessage
from channels.whatsapp import thread_id
from channels.whatsapp_send import WhatsAppSendError, send_reply
from storage import channel_configs
from storage.db import unit_of_work
from storage.models import OutboxEvent
from storage.workspaces import create_workspace

PNID, TOKEN, WA = "106540352242922", "EAAG-send-token", "447700900123"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(tokens={PNID: TOKEN}) as g:
        yield g


@pytest.fixture
def settings(settings, graph):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"whatsapp_graph_url": graph.url})


def _setup(runtime: Any, *, template: dict[str, Any] | None = None, token: str = TOKEN) -> tuple[str, str]:
    with unit_of_work(runtime.sessions) as s:
        ws = create_workspace(s, "Acme", settings={"rubric": "bant"})
        cfg = channel_configs.add_config(s, ws.id, "whatsapp", PNID, secrets={"access_token": token},
                                         settings={"template": template} if template else {})
        return ws.id, cfg.id


def _turn(runtime: Any, ws_id: str, cfg_id: str, at: datetime = T0) -> tuple[str, dict[str, Any]]:
    """Run an agent turn for a WhatsApp message received at `at`; return its queued reply event."""
    route = {"config_id": cfg_id, "to": WA, "phone_number_id": PNID, "context_message_id": "wamid.IN1"}
    runtime.agent.handle(InboundMessage(workspace_id=ws_id, channel="whatsapp", sender_id=WA,
                                        thread_id=thread_id(PNID, WA), text="Hi, what does it cost?",
                                        provider_message_id="wamid.IN1", received_at=at, reply_route=route))
    with runtime.sessions() as s:
        row = s.query(OutboxEvent).filter(OutboxEvent.event_type == "channel.reply").one()
        return row.event_id, row.payload


def test_inside_the_window_the_reply_is_free_text_in_reply_to_the_message(runtime: Any, graph: FakeGraph) -> None:
    ws_id, cfg_id = _setup(runtime, template={"name": "follow_up", "language": "en_US"})
    event_id, payload = _turn(runtime, ws_id, cfg_id)
    wamid = send_reply(runtime, event_id, payload, now=lambda: T0 + timedelta(hours=23, minutes=59))
    [call] = graph.sent()
    assert wamid and wamid.startswith("wamid.")
    assert call.body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA, "type": "text",
                         "text": {"preview_url": False, "body": payload["text"]},
                         "context": {"message_id": "wamid.IN1"}}


def test_outside_the_window_the_configured_template_is_sent(runtime: Any, graph: FakeGraph) -> None:
    ws_id, cfg_id = _setup(runtime, template={"name": "follow_up", "language": "de"})
    event_id, payload = _turn(runtime, ws_id, cfg_id)
    assert send_reply(runtime, event_id, payload, now=lambda: T0 + timedelta(hours=24, seconds=1))
    [call] = graph.sent()
    assert call.body["type"] == "template"
    assert call.body["template"] == {"name": "follow_up", "language": {"code": "de"}}


def test_meta_refusing_free_text_with_131047_falls_back_to_the_template(runtime: Any, graph: FakeGraph) -> None:
    ws_id, cfg_id = _setup(runtime, template={"name": "follow_up", "language": "en_US"})
    event_id, payload = _turn(runtime, ws_id, cfg_id)
    graph.outside_window.add(WA)  # Meta's clock says the window has closed
    assert send_reply(runtime, event_id, payload, now=lambda: T0 + timedelta(hours=1))
    assert [c.body["type"] for c in graph.sent()] == ["template"]


def test_outside_the_window_without_a_template_the_send_fails_permanently(runtime: Any, graph: FakeGraph) -> None:
    ws_id, cfg_id = _setup(runtime)
    event_id, payload = _turn(runtime, ws_id, cfg_id)
    with pytest.raises(WhatsAppSendError, match="no template") as e:
        send_reply(runtime, event_id, payload, now=lambda: T0 + timedelta(days=2))
    assert not e.value.retryable and graph.sent() == []


def test_rate_limits_are_retryable_and_a_bad_token_is_not(runtime: Any, graph: FakeGraph) -> None:
    ws_id, cfg_id = _setup(runtime, token="EAAG-revoked")
    event_id, payload = _turn(runtime, ws_id, cfg_id)
    graph.faults.append(graph_error(400, 130429, "Rate limit hit"))
    with pytest.raises(WhatsAppSendError) as limited:
        send_reply(runtime, event_id, payload, now=lambda: T0)
    assert limited.value.retryable and limited.value.code == 130429
    with pytest.raises(WhatsAppSendError, match="access token") as denied:
        send_reply(runtime, event_id, payload, now=lambda: T0)
    assert not denied.value.retryable and denied.value.code == 190


def test_an_unreachable_graph_api_is_retryable(runtime: Any, graph: FakeGraph) -> None:
    ws_id, cfg_id = _setup(runtime)
    event_id, payload = _turn(runtime, ws_id, cfg_id)
    runtime.settings = runtime.settings.model_copy(update={"whatsapp_graph_url": "http://127.0.0.1:9/v21.0"})
    with pytest.raises(WhatsAppSendError, match="unreachable") as e:
        send_reply(runtime, event_id, payload, now=lambda: T0)
    assert e.value.retryable


def test_a_removed_or_inactive_channel_fails_permanently(runtime: Any, graph: FakeGraph) -> None:
    ws_id, cfg_id = _setup(runtime)
    event_id, payload = _turn(runtime, ws_id, cfg_id)
    with unit_of_work(runtime.sessions) as s:
        channel_configs.get_config(s, ws_id, cfg_id).active = False
    with pytest.raises(WhatsAppSendError, match="inactive") as e:
        send_reply(runtime, event_id, payload, now=lambda: T0)
    assert not e.value.retryable and graph.sent() == []


def test_the_worker_dead_letters_a_reply_that_can_never_be_sent(runtime: Any, graph: FakeGraph) -> None:
    from leadline.worker import drain

    ws_id, cfg_id = _setup(runtime)
    _turn(runtime, ws_id, cfg_id, at=datetime.now(UTC) - timedelta(days=2))  # the window closed long ago
    drain(runtime)
    with runtime.sessions() as s:
        row = s.query(OutboxEvent).filter(OutboxEvent.event_type == "channel.reply").one()
    assert row.status == "dead" and "no template" in row.last_error and graph.sent() == []
