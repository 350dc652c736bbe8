"""Posting agent replies with slack-sdk's WebClient to a fake Slack Web API: the thread, the id it
returns, and how each Slack failure reaches the outbox worker (retry, wait, or dead-letter)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fakes.slack_api import FakeSlack
from sqlalchemy import select

from channels.slack_send import WAIT_IN_PLACE_SECONDS, SlackSendError, send_reply
from leadline.worker import drain
from storage import channel_configs, outbox
from storage.db import unit_of_work
from storage.models import OutboxEvent

TEAM, CHANNEL = "T0ACME", "C0CONNECT"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.channels.add(CHANNEL)
        yield fake


@pytest.fixture
def settings(settings, slack):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"slack_api_url": slack.api_url})


@pytest.fixture
def cfg(runtime, make_workspace, slack):  # type: ignore[no-untyped-def]
    ws = make_workspace()
    with unit_of_work(runtime.sessions) as s:
        c = channel_configs.add_config(s, ws.id, "slack", TEAM, secrets={"bot_token": slack.token})
    return {"ws": ws.id, "config": c.id}


def reply(cfg: dict[str, str], text: str = "Thanks! What's your budget?", *, channel: str = CHANNEL,
          thread_ts: str | None = "1700000000.000100") -> dict[str, Any]:
    return {"type": "channel.reply", "workspace_id": cfg["ws"], "conversation_id": None, "channel": "slack",
            "route": {"config_id": cfg["config"], "channel": channel, "thread_ts": thread_ts}, "text": text,
            "in_reply_to": f"{channel}:1700000000.000100", "occurred_at": "2026-11-23T12:00:00+00:00"}


def test_a_reply_is_posted_in_the_thread_with_the_bot_token_and_escaped(
        runtime: Any, cfg: dict[str, str], slack: FakeSlack) -> None:
    provider_id = send_reply(runtime, "evt_1", reply(cfg, "Use <!channel> & see <https://x.io|x>"))
    [call] = slack.posted()
    assert call.token == slack.token
    assert call.args == {"channel": CHANNEL, "text": "Use &lt;!channel&gt; &amp; see &lt;https://x.io|x&gt;",
                         "thread_ts": "1700000000.000100"}
    assert provider_id is not None and provider_id.startswith(f"{CHANNEL}:")
    assert provider_id.split(":", 1)[1].replace(".", "").isdigit()


def test_a_direct_message_reply_is_posted_inline(runtime: Any, cfg: dict[str, str], slack: FakeSlack) -> None:
    send_reply(runtime, "evt_2", reply(cfg, thread_ts=None))
    assert "thread_ts" not in slack.posted()[0].args


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "invalid_auth", "is_archived"])
def test_configuration_errors_are_permanent(runtime: Any, cfg: dict[str, str], slack: FakeSlack, code: str) -> None:
    slack.faults.append(("error", code))
    with pytest.raises(SlackSendError, match=code) as e:
        send_reply(runtime, "evt_3", reply(cfg))
    assert e.value.retryable is False and e.value.code == code


def test_an_unknown_channel_and_a_revoked_token_come_from_slack_itself(
        runtime: Any, cfg: dict[str, str], slack: FakeSlack) -> None:
    with pytest.raises(SlackSendError, match="channel_not_found"):
        send_reply(runtime, "evt_4", reply(cfg, channel="C0GONE"))
    with unit_of_work(runtime.sessions) as s:
        channel_configs.get_config(s, cfg["ws"], cfg["config"]).secrets = {"bot_token": "xoxb-revoked"}
    with pytest.raises(SlackSendError, match="invalid_auth") as e:
        send_reply(runtime, "evt_5", reply(cfg))
    assert e.value.retryable is False and slack.posted() == []


def test_a_short_rate_limit_is_waited_out_in_place(runtime: Any, cfg: dict[str, str], slack: FakeSlack) -> None:
    slack.faults.append(("ratelimited", 1))
    started = time.monotonic()
    assert send_reply(runtime, "evt_6", reply(cfg))
    assert 1.0 <= time.monotonic() - started < 1.0 + WAIT_IN_PLACE_SECONDS
    assert slack.faults == [] and len(slack.posted()) == 1


def test_a_long_rate_limit_goes_back_to_the_worker_with_slacks_delay(
        runtime: Any, cfg: dict[str, str], slack: FakeSlack) -> None:
    slack.faults.append(("ratelimited", 30))
    started = time.monotonic()
    with pytest.raises(SlackSendError) as e:
        send_reply(runtime, "evt_7", reply(cfg))
    assert time.monotonic() - started < 5  # no thread asleep for 30 s
    assert e.value.retryable is True and e.value.retry_after == 30 and e.value.status == 429


def test_slack_outages_are_retryable(runtime: Any, cfg: dict[str, str], slack: FakeSlack, settings: Any) -> None:
    slack.faults.append(("http", 503))
    with pytest.raises(SlackSendError) as e:
        send_reply(runtime, "evt_8", reply(cfg))
    assert e.value.retryable is True
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    runtime.settings = settings.model_copy(update={"slack_api_url": f"http://127.0.0.1:{port}/api/"})
    with pytest.raises(SlackSendError, match="unreachable") as e:
        send_reply(runtime, "evt_9", reply(cfg))
    assert e.value.retryable is True


def test_a_missing_or_inactive_configuration_is_permanent(runtime: Any, cfg: dict[str, str]) -> None:
    with unit_of_work(runtime.sessions) as s:
        channel_configs.get_config(s, cfg["ws"], cfg["config"]).secrets = {}
    with pytest.raises(SlackSendError, match="no bot_token") as e:
        send_reply(runtime, "evt_10", reply(cfg))
    assert e.value.retryable is False
    with unit_of_work(runtime.sessions) as s:
        channel_configs.get_config(s, cfg["ws"], cfg["config"]).active = False
    with pytest.raises(SlackSendError, match="inactive"):
        send_reply(runtime, "evt_11", reply(cfg))


def test_the_worker_dead_letters_a_permanent_error_and_reschedules_a_rate_limit(
        runtime: Any, cfg: dict[str, str], slack: FakeSlack) -> None:
    with unit_of_work(runtime.sessions) as s:
        outbox.enqueue(s, cfg["ws"], outbox.CHANNEL_REPLY, reply(cfg, channel="C0GONE"), event_id="evt_gone")
        outbox.enqueue(s, cfg["ws"], outbox.CHANNEL_REPLY, reply(cfg), event_id="evt_limited")
    # The worker sends replies of different conversations in parallel, so each fault names its channel
    # (C0GONE is not a channel the fake knows: channel_not_found).
    slack.channel_faults[CHANNEL] = [("ratelimited", 120)]
    drain(runtime)
    with runtime.sessions() as s:
        rows = {e.event_id: e for e in s.scalars(select(OutboxEvent))}
    assert rows["evt_gone"].status == "dead" and "channel_not_found" in rows["evt_gone"].last_error
    limited = rows["evt_limited"]
    assert limited.status == "pending" and "rate limited" in limited.last_error
    assert (limited.available_at - limited.created_at).total_seconds() >= 100
