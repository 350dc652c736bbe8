"""Replay of the labelled dev conversations through the channel each one names, as real provider
traffic to the running app (signed WhatsApp and Slack webhooks, SMTP into `leadline smtp`, widget
HTTP), with the outbox worker running the turns: the stored leads equal what `leadline qualify`
produces for the same conversations."""

from __future__ import annotations

import itertools
import json
import smtplib
import socket
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.email_mail import mail
from fakes.graph_api import FakeGraph
from fakes.slack_api import FakeSlack
from fakes.smtp_sink import SmtpSink
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from agent.extraction.rules import RuleBackend
from channels.email_smtp_server import start_server
from channels.whatsapp import sign
from leadline.qualify import Transcript, qualify_transcript, read_transcripts
from leadline.worker import drain
from skills.rubric import load_rubric
from storage import channel_configs
from storage.db import unit_of_work
from storage.models import Contact, Conversation, Lead, LeadScore, Workspace

DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev_conversations.jsonl"
APP_SECRET, SLACK_SECRET = "meta-app-secret", "slack-signing-secret"
PNID, WA_TOKEN, TEAM, INBOX = "106540352242922", "EAAG-token", "T0ACME", "sales@acme.test"
_seq = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(tokens={PNID: WA_TOKEN}) as g:
        yield g


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.channels.add("C0SHARED")
        yield fake


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as s:
        yield s


@pytest.fixture
def settings(settings, graph, slack, sink):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={
        "whatsapp_app_secret": APP_SECRET, "whatsapp_graph_url": graph.url,
        "slack_signing_secret": SLACK_SECRET, "slack_api_url": slack.api_url,
        "smtp_host": sink.host, "smtp_port": sink.port})


@pytest.fixture
def smtp_port(runtime) -> Iterator[int]:  # type: ignore[no-untyped-def]
    port = free_port()
    controller = start_server(runtime.sessions, "127.0.0.1", port)
    yield port
    controller.stop()


@pytest.fixture
def workspace(runtime, make_workspace, slack) -> Workspace:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    with unit_of_work(runtime.sessions) as s:
        channel_configs.add_config(s, ws.id, "whatsapp", PNID, secrets={"access_token": WA_TOKEN}, settings={
            "template": {"name": "follow_up", "language": "en_US"}})
        channel_configs.add_config(s, ws.id, "slack", TEAM, secrets={"bot_token": slack.token},
                                   settings={"bot_user_id": "U0BOT"})
        channel_configs.add_config(s, ws.id, "email", INBOX, settings={"from_name": "Acme Sales"})
    return ws


class Replayer:
    """Sends one conversation's visitor messages through its channel, one turn at a time."""

    def __init__(self, url: str, runtime: Any, ws: Workspace, sink: SmtpSink, smtp_port: int) -> None:
        self.url, self.runtime, self.ws, self.sink, self.smtp_port = url, runtime, ws, sink, smtp_port

    def replay(self, t: Transcript, expected_email: str | None) -> None:
        n = next(_seq)
        said_at = datetime.combine(t.today, dtime(12, 0), tzinfo=UTC)  # providers that stamp messages
        texts = [m.text for m in t.messages if m.role == "visitor"]
        getattr(self, f"_{t.channel.value}")(n, texts, said_at, expected_email)

    def _widget(self, n: int, texts: list[str], said_at: datetime, email: str | None) -> None:
        base = f"{self.url}/widget/v1/{self.ws.public_key}"
        token = httpx.post(f"{base}/session", json={}).raise_for_status().json()["token"]
        for i, text in enumerate(texts):
            httpx.post(f"{base}/messages", json={"text": text, "client_message_id": f"m{i}"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=30).raise_for_status()

    def _whatsapp(self, n: int, texts: list[str], said_at: datetime, email: str | None) -> None:
        wa_id = f"1555{n:07d}"
        for i, text in enumerate(texts):
            body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{
                "field": "messages", "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550001111", "phone_number_id": PNID},
                    "messages": [{"from": wa_id, "id": f"wamid.{n}.{i}", "timestamp": str(int(said_at.timestamp()) + i),
                                  "type": "text", "text": {"body": text}}]}}]}]}).encode()
            r = httpx.post(f"{self.url}/webhooks/whatsapp", content=body,
                           headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(APP_SECRET, body)})
            assert r.status_code == 200, r.text
            drain(self.runtime)

    def _slack(self, n: int, texts: list[str], said_at: datetime, email: str | None) -> None:
        root = None
        for i, text in enumerate(texts):
            ts = f"{int(said_at.timestamp()) + i}.{n:06d}"
            root = root or ts
            event = {"type": "message", "channel": "C0SHARED", "channel_type": "channel", "user": f"U0V{n:04d}",
                     "text": text, "ts": ts, **({"thread_ts": root} if ts != root else {})}
            body = json.dumps({"type": "event_callback", "team_id": TEAM, "api_app_id": "A0LEADLINE",
                               "event_id": f"Ev{n:04d}{i:03d}", "event_time": int(time.time()), "event": event,
                               "authorizations": [{"team_id": TEAM, "user_id": "U0BOT", "is_bot": True}]}).encode()
            stamp = str(int(time.time()))
            signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=stamp, body=body) or ""
            r = httpx.post(f"{self.url}/webhooks/slack/events", content=body, headers={
                "Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature})
            assert r.status_code == 200, r.text
            drain(self.runtime)

    def _email(self, n: int, texts: list[str], said_at: datetime, email: str | None) -> None:
        sender = email or f"visitor{n}@example.org"  # people write from their own address
        chain: list[str] = []
        for i, text in enumerate(texts):
            before = len(self.sink.messages)
            msg = mail(text, sender=sender, to=INBOX, subject="Question", message_id=f"<v{n}.{i}@example.org>",
                       in_reply_to=chain[-1] if chain else None, references=chain or None)
            with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as client:
                client.send_message(msg)
            drain(self.runtime)
            reply = self.sink.wait_for(before + 1)[-1].message
            chain += [str(msg["Message-ID"]), str(reply["Message-ID"])]


def stored(runtime: Any, conversation_id: str) -> dict[str, Any]:
    with runtime.sessions() as s:
        conv = s.get(Conversation, conversation_id)
        contact = s.get(Contact, conv.contact_id)
        while contact.merged_into_id:
            contact = s.get(Contact, contact.merged_into_id)
        lead = s.scalars(select(Lead).where(Lead.contact_id == contact.id)).first()
        out: dict[str, Any] = {"is_lead": lead is not None,
                               "contact": {"name": contact.name, "email": contact.email, "phone": contact.phone,
                                           "company": contact.company}}
        if lead is not None:
            latest = select(LeadScore).where(LeadScore.lead_id == lead.id).order_by(LeadScore.id.desc())
            card = s.scalars(latest).first()
            out |= {"score": lead.score, "band": lead.band,
                    "bant": {k: card.breakdown[k]["level"] for k in ("budget", "authority", "need", "timing")}}
        return out


def expected(t: Transcript, today: date) -> dict[str, Any]:
    q = qualify_transcript(t.model_copy(update={"today": today}), RuleBackend(), load_rubric("bant"))
    out: dict[str, Any] = {"is_lead": q["is_lead"], "contact": q["contact"]}
    if q["is_lead"]:
        out |= {"score": q["score"], "band": q["band"], "bant": {k: v["level"] for k, v in q["bant"].items()}}
    return out


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared eval set not beside the repository")
def test_every_dev_conversation_through_its_channel_gives_the_lead_qualify_gives(
    runtime, workspace, live, slack, sink, smtp_port  # type: ignore[no-untyped-def]
) -> None:
    transcripts = list(read_transcripts(DEV_SET.read_text(encoding="utf-8").splitlines()))
    assert {t.channel.value for t in transcripts} >= {"widget", "whatsapp", "email", "slack"}
    replayer = Replayer(live.url, runtime, workspace, sink, smtp_port)
    mismatches = []
    for t in transcripts:
        # Widget and e-mail turns are dated when they arrive; WhatsApp and Slack carry the sender's time.
        today = t.today if t.channel.value in ("whatsapp", "slack") else datetime.now(UTC).date()
        want = expected(t, today)
        with runtime.sessions() as s:
            seen = set(s.scalars(select(Conversation.id)))
        replayer.replay(t, want["contact"]["email"])
        with runtime.sessions() as s:
            (conversation_id,) = set(s.scalars(select(Conversation.id))) - seen  # one thread, one conversation
        got = stored(runtime, conversation_id)
        if got != want:
            mismatches.append((t.id, t.channel.value, want, got))
    assert not mismatches, "\n".join(f"{i} ({c}):\n  qualify {w}\n  stored  {g}" for i, c, w, g in mismatches)
