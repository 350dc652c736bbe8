"""The Slack Events webhook over real HTTP (uvicorn on 127.0.0.1), the agent turn run by the outbox
worker, and replies posted with slack-sdk to a fake Slack Web API: signatures, dedupe, threads,
which messages count as a person's, and bad input."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fakes.slack_api import FakeSlack
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from channels.slack_events import MAX_BODY_BYTES, signature_problem
from leadline.worker import drain
from storage import channel_configs
from storage.db import unit_of_work
from storage.models import Contact, Conversation, Lead, Message, OutboxEvent

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM, OTHER_TEAM = "T0ACME", "T0PROSPECT"
BOT = "U0BOT"
CONNECT, DM = "C0CONNECT", "D0JANE"
JANE = "U0JANE"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.channels |= {CONNECT, DM, "C0OTHER"}
        yield fake


@pytest.fixture
def settings(settings, slack):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"slack_signing_secret": SECRET, "slack_api_url": slack.api_url})


@pytest.fixture
def sl(runtime, make_workspace, live, slack):  # type: ignore[no-untyped-def]
    ws = make_workspace()
    with unit_of_work(runtime.sessions) as s:
        cfg = channel_configs.add_config(s, ws.id, "slack", TEAM, name="Acme Slack",
                                         settings={"bot_user_id": BOT}, secrets={"bot_token": slack.token})
    return {"ws": ws.id, "config": cfg.id, "url": f"{live.url}/webhooks/slack/events"}


_seq = iter(range(1, 10**6))


def new_ts() -> str:
    return f"{int(time.time())}.{next(_seq):06d}"


def message(text: str, *, ts: str | None = None, channel: str = CONNECT, user: str = JANE, team: str = TEAM,
            event_type: str = "message", event_id: str | None = None, **event: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {"type": event_type, "channel": channel, "channel_type": "channel", "user": user,
                          "text": text, "ts": ts or new_ts(), **event}
    return {"type": "event_callback", "team_id": team, "api_app_id": "A0LEADLINE",
            "event_id": event_id or f"Ev{next(_seq):08d}", "event_time": int(time.time()), "event": ev,
            "authorizations": [{"team_id": team, "user_id": BOT, "is_bot": True}]}


def post(url: str, body: dict[str, Any] | bytes, *, timestamp: int | None = None, signature: str | None = "auto",
         secret: str = SECRET, headers: dict[str, str] | None = None) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    h = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, **(headers or {})}
    if signature == "auto":
        h["X-Slack-Signature"] = SignatureVerifier(secret).generate_signature(timestamp=ts, body=raw) or ""
    elif signature is not None:
        h["X-Slack-Signature"] = signature
    return httpx.post(url, content=raw, headers=h, timeout=10)


def count(runtime: Any, model: type, *where: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def assert_problem(r: httpx.Response, status: int, word: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert word in r.json()["detail"], r.json()


def conversations(runtime: Any) -> list[Conversation]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Conversation).order_by(Conversation.started_at, Conversation.id)))


# -- the handshake ----------------------------------------------------------------------------------
def test_url_verification_answers_the_challenge_only_when_signed(sl: dict[str, str]) -> None:
    body = {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification"}
    r = post(sl["url"], body)
    assert r.status_code == 200 and r.json() == {"challenge": body["challenge"]}
    assert_problem(post(sl["url"], body, signature=None), 401, "X-Slack-Signature")
    assert_problem(post(sl["url"], body, secret="another-apps-secret"), 401, "does not match")


# -- a conversation ---------------------------------------------------------------------------------
def test_a_message_is_acknowledged_at_once_and_answered_in_its_thread_by_the_worker(
        sl: dict[str, str], runtime: Any, slack: FakeSlack) -> None:
    root = new_ts()
    started = time.monotonic()
    r = post(sl["url"], message("Hi, I'm Jane Roe from Acme &amp; Co. Could we book a demo? We need a CRM for 20 "
                                "people, mail me at <mailto:jane@acme.io|jane@acme.io>", ts=root))
    assert r.status_code == 200 and r.json() == {"ok": True, "queued": 1, "duplicate": False}
    assert time.monotonic() - started < 3
    # The ack came before the work: no turn has run and nothing was posted yet.
    assert count(runtime, Message) == 0 and slack.posted() == []
    assert count(runtime, OutboxEvent, OutboxEvent.event_type == "inbound.message") == 1

    drain(runtime)
    [call] = slack.posted()
    assert call.token == slack.token and call.args["channel"] == CONNECT and call.args["thread_ts"] == root
    assert call.args["text"]
    with runtime.sessions() as s:
        msgs = s.scalars(select(Message).order_by(Message.id)).all()
        contact = s.scalars(select(Contact)).one()
        conv = s.scalars(select(Conversation)).one()
    assert [m.role for m in msgs] == ["visitor", "agent"]
    assert msgs[0].provider_message_id == f"{CONNECT}:{root}"
    assert msgs[0].text.startswith("Hi, I'm Jane Roe from Acme & Co.") and msgs[0].text.endswith("jane@acme.io")
    assert contact.email == "jane@acme.io" and conv.channel == "slack" and conv.workspace_id == sl["ws"]
    assert conv.thread_ref == f"{CONNECT}:{root}"
    assert count(runtime, Lead) == 1

    # A reply in the same thread continues the conversation and is answered in the thread.
    post(sl["url"], message("We have budget of $30k and I decide", thread_ts=root))
    drain(runtime)
    assert [c.args["thread_ts"] for c in slack.posted()] == [root, root]
    assert len(conversations(runtime)) == 1 and count(runtime, Message) == 4

    # A new top-level message is a new thread: a new conversation of the same contact.
    other = new_ts()
    post(sl["url"], message("Another question about pricing", ts=other))
    drain(runtime)
    assert slack.posted()[-1].args["thread_ts"] == other
    convs = conversations(runtime)
    assert len(convs) == 2 and len({c.contact_id for c in convs}) == 1 and count(runtime, Contact) == 1


def test_the_agent_message_records_the_posted_message_id(sl: dict[str, str], runtime: Any, slack: FakeSlack) -> None:
    post(sl["url"], message("Hello there, what does it cost?"))
    drain(runtime)
    with runtime.sessions() as s:
        agent_msg = s.scalars(select(Message).where(Message.role == "agent")).one()
    [call] = slack.posted()
    assert agent_msg.provider_message_id.startswith(f"{CONNECT}:") and not agent_msg.provider_message_id.startswith(
        "pending:")
    # Slack echoes our own post back as a bot message event: acknowledged, never answered.
    ts = agent_msg.provider_message_id.split(":", 1)[1]
    echo = message(call.args["text"], ts=ts, user=BOT, bot_id="B0BOT", thread_ts=call.args["thread_ts"])
    assert post(sl["url"], echo).json()["ignored"] == "messages from bots are not answered"
    assert count(runtime, OutboxEvent, OutboxEvent.event_type == "inbound.message") == 1


def test_a_direct_message_is_one_conversation_answered_inline(
        sl: dict[str, str], runtime: Any, slack: FakeSlack) -> None:
    for text in ("Hi, is there a free trial?", "And do you integrate with HubSpot?"):
        post(sl["url"], message(text, channel=DM, channel_type="im"))
    drain(runtime)
    calls = slack.posted()
    assert [c.args["channel"] for c in calls] == [DM, DM] and all("thread_ts" not in c.args for c in calls)
    [conv] = conversations(runtime)
    assert conv.thread_ref == DM


def test_a_slack_connect_event_is_routed_by_the_installation_not_the_senders_team(
        sl: dict[str, str], runtime: Any) -> None:
    body = message("Hello from the prospect's side", team=OTHER_TEAM)
    body["authorizations"] = [{"team_id": TEAM, "user_id": BOT, "is_bot": True}]
    body["event"]["user_team"] = OTHER_TEAM
    assert post(sl["url"], body).json()["queued"] == 1


def test_a_colleague_in_a_shared_channel_is_not_answered_but_a_direct_message_from_one_is(
        sl: dict[str, str], runtime: Any) -> None:
    shared = message("I'm Bob, the account exec, bob@acme.io", user="U0BOB", user_team=TEAM)
    shared["is_ext_shared_channel"] = True
    assert "own members" in post(sl["url"], shared).json()["ignored"]
    prospect = message("Hi, Jane here", user_team=OTHER_TEAM)
    prospect["is_ext_shared_channel"] = True
    assert post(sl["url"], prospect).json()["queued"] == 1
    dm = message("Testing the bot", user="U0BOB", user_team=TEAM, channel=DM, channel_type="im")
    assert post(sl["url"], dm).json()["queued"] == 1
    assert count(runtime, OutboxEvent) == 2


def test_mentions_of_the_bot_are_dropped_and_the_sender_name_is_kept(sl: dict[str, str], runtime: Any) -> None:
    body = message(f"<@{BOT}> hi, can <@U0BOB|bob> and I see a demo? See <https://acme.io/rfp|our RFP>",
                   user_profile={"real_name": "Jane Roe", "display_name": "jane"})
    post(sl["url"], body)
    with runtime.sessions() as s:
        queued = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "inbound.message")).one()
    assert queued.payload["text"] == "hi, can @bob and I see a demo? See our RFP (https://acme.io/rfp)"
    assert queued.payload["sender_name"] == "Jane Roe"
    assert queued.payload["reply_route"] == {"config_id": sl["config"], "channel": CONNECT,
                                             "thread_ts": body["event"]["ts"]}


# -- redelivery -------------------------------------------------------------------------------------
def test_retries_and_the_same_message_as_app_mention_are_acknowledged_but_queued_once(
        sl: dict[str, str], runtime: Any, slack: FakeSlack) -> None:
    body = message(f"<@{BOT}> could you send pricing for 50 seats? I'm at <mailto:sam@globex.io|sam@globex.io>")
    assert post(sl["url"], body).json()["queued"] == 1
    retry = post(sl["url"], body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200 and retry.json() == {"ok": True, "queued": 0, "duplicate": True}
    mention = message(body["event"]["text"], ts=body["event"]["ts"], event_type="app_mention")
    assert post(sl["url"], mention).json()["duplicate"] is True
    assert count(runtime, OutboxEvent, OutboxEvent.event_type == "inbound.message") == 1

    drain(runtime)
    post(sl["url"], body, headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"})
    drain(runtime)  # a retry after the turn ran: no second turn, message, lead or reply
    assert count(runtime, Message) == 2 and count(runtime, Lead) == 1 and len(slack.posted()) == 1
    assert count(runtime, Contact) == 1 and count(runtime, Conversation) == 1


def test_concurrent_duplicate_deliveries_queue_one_row(sl: dict[str, str], runtime: Any) -> None:
    body = message("Hi, racing deliveries")
    results: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda: results.append(post(sl["url"], body))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 6
    assert sum(r.json()["queued"] for r in results) == 1
    assert count(runtime, OutboxEvent, OutboxEvent.event_type == "inbound.message") == 1


# -- what is not a person's new message -------------------------------------------------------------
@pytest.mark.parametrize("change", [
    {"bot_id": "B0OTHER"},
    {"subtype": "bot_message", "bot_id": "B0OTHER"},
    {"subtype": "message_changed", "message": {"text": "edited", "user": JANE}},
    {"subtype": "message_deleted", "deleted_ts": "1700000000.000100"},
    {"subtype": "channel_join"},
    {"user": BOT},
    {"text": f"<@{BOT}>"},
    {"type": "reaction_added", "reaction": "thumbsup"},
], ids=["bot_id", "bot_message", "edit", "delete", "join", "own_bot_user", "only_a_mention", "reaction"])
def test_bots_edits_and_other_events_are_acknowledged_and_ignored(
        sl: dict[str, str], runtime: Any, change: dict[str, Any]) -> None:
    body = message("We need a CRM")
    body["event"] |= change
    r = post(sl["url"], body)
    assert r.status_code == 200 and r.json()["ok"] is True and "ignored" in r.json()
    assert count(runtime, OutboxEvent) == 0


def test_a_thread_broadcast_is_a_persons_message(sl: dict[str, str], runtime: Any) -> None:
    root = new_ts()
    assert post(sl["url"], message("Also sending to the channel", subtype="thread_broadcast",
                                   thread_ts=root)).json()["queued"] == 1


def test_the_channel_allow_list_limits_channels_but_not_direct_messages(sl: dict[str, str], runtime: Any) -> None:
    with unit_of_work(runtime.sessions) as s:
        cfg = channel_configs.get_config(s, sl["ws"], sl["config"])
        cfg.settings = {**cfg.settings, "channels": [CONNECT]}
    assert post(sl["url"], message("Hello", channel="C0OTHER")).json()["ignored"].startswith("channel C0OTHER")
    assert post(sl["url"], message("Hello", channel=CONNECT)).json()["queued"] == 1
    assert post(sl["url"], message("Hello", channel=DM, channel_type="im")).json()["queued"] == 1
    assert count(runtime, OutboxEvent) == 2


def test_an_unknown_or_inactive_team_is_acknowledged_and_nothing_is_stored(sl: dict[str, str], runtime: Any) -> None:
    r = post(sl["url"], message("Hello", team="T0NOBODY"))
    assert r.status_code == 200 and r.json()["ignored"] == "no active Slack configuration for this team"
    with unit_of_work(runtime.sessions) as s:
        channel_configs.get_config(s, sl["ws"], sl["config"]).active = False
    assert "ignored" in post(sl["url"], message("Hello")).json()
    assert count(runtime, OutboxEvent) == 0


# -- bad input --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "word"), [
    ({"signature": None}, "missing"),
    ({"signature": "v0=" + "0" * 64}, "does not match"),
    ({"signature": "v1=abc"}, "does not match"),
    ({"secret": "another-apps-secret"}, "does not match"),
    ({"timestamp": -301}, "more than 5 minutes"),
    ({"timestamp": 3600}, "more than 5 minutes"),
    ({"headers": {"X-Slack-Request-Timestamp": "yesterday"}}, "unix seconds"),
], ids=["missing", "zeros", "v1", "wrong_secret", "old", "future", "not_a_number"])
def test_a_missing_wrong_or_stale_signature_is_401_and_nothing_is_stored(
        sl: dict[str, str], runtime: Any, kwargs: dict[str, Any], word: str) -> None:
    if "timestamp" in kwargs:  # a correct signature, over a timestamp this many seconds from now
        kwargs = {**kwargs, "timestamp": int(time.time()) + kwargs["timestamp"]}
    assert_problem(post(sl["url"], message("Hi"), **kwargs), 401, word)
    assert count(runtime, OutboxEvent) == 0


def test_a_signature_over_another_body_is_refused(sl: dict[str, str], runtime: Any) -> None:
    good = json.dumps(message("Hi")).encode()
    ts = str(int(time.time()))
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=good) or ""
    forged = good.replace(b"Hi", b"Yo")
    r = httpx.post(sl["url"], content=forged, headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    assert_problem(r, 401, "nothing was stored")
    assert count(runtime, OutboxEvent) == 0


def test_malformed_json_is_400_and_a_wrong_shape_is_422_without_retries(sl: dict[str, str], runtime: Any) -> None:
    r = post(sl["url"], b'{"type": "event_callback", "event": {')
    assert_problem(r, 400, "not valid JSON")
    assert r.headers["x-slack-no-retry"] == "1"
    ts = str(int(time.time()))
    latin1 = b'{"type": "event_callback", "text": "caf\xe9"}'  # signed as bytes, as Slack signs
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + latin1, hashlib.sha256).hexdigest()
    r = httpx.post(sl["url"], content=latin1, headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    assert_problem(r, 400, "not valid JSON")
    assert_problem(post(sl["url"], latin1, signature="v0=" + "1" * 64), 401, "does not match")
    broken = message("Hi")
    del broken["event"]["ts"]
    r = post(sl["url"], broken)
    assert_problem(r, 422, "event.ts")
    assert r.headers["x-slack-no-retry"] == "1"
    assert_problem(post(sl["url"], b"[1, 2]"), 422, "body")
    assert count(runtime, OutboxEvent) == 0


def test_an_oversized_payload_is_413_whether_declared_or_streamed(sl: dict[str, str], runtime: Any) -> None:
    big = json.dumps(message("x" * 100)).encode() + b" " * MAX_BODY_BYTES
    assert_problem(post(sl["url"], big), 413, "limit")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    r = httpx.post(sl["url"], content=chunks(), headers={"X-Slack-Signature": "v0=00"}, timeout=10)
    assert_problem(r, 413, "limit")
    assert count(runtime, OutboxEvent) == 0


def test_without_a_signing_secret_events_are_refused_with_503(runtime: Any, serve: Any, settings: Any) -> None:
    from leadline.app import create_app

    runtime.settings = settings.model_copy(update={"slack_signing_secret": None})
    with serve(create_app(runtime.settings, runtime)) as url:
        r = post(f"{url}/webhooks/slack/events", message("Hi"))
    assert_problem(r, 503, "LEADLINE_SLACK_SIGNING_SECRET")
    assert count(runtime, OutboxEvent) == 0


# -- the check itself (pure, with an injected clock) ------------------------------------------------
class FixedClock:
    def __init__(self, now: int) -> None:
        self._now = now

    def now(self) -> float:
        return float(self._now)


def test_the_window_is_five_minutes_either_way() -> None:
    body, ts = b'{"type":"event_callback"}', "1700000000"
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    for offset, ok in ((0, True), (300, True), (-300, True), (301, False), (-301, False)):
        why = signature_problem(SECRET, body, ts, sig, clock=FixedClock(1700000000 + offset))  # type: ignore[arg-type]
        assert (why is None) is ok, (offset, why)
    assert signature_problem(SECRET, body + b" ", ts, sig, clock=FixedClock(1700000000)) is not None  # type: ignore[arg-type]
