"""SendGrid Inbound Parse and Mailgun routes over real HTTP (uvicorn on 127.0.0.1): credentials,
signatures, stale timestamps, replayed tokens, malformed and oversized bodies, duplicates."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx
import pytest
from fakes.email_mail import email_channel, mail
from sqlalchemy import func, select

from agent.types import InboundMessage
from channels.email_webhooks import mailgun_signature
from storage.models import OutboxEvent

SENDGRID_TOKEN = "sg-secret-token"
MAILGUN_KEY = "key-mailgun-signing"
BODY = "Hi, we need 40 seats before March. What does it cost?\n\nBest,\nAna Souza\nExample Ltda"


def queued(runtime: Any) -> list[InboundMessage]:
    with runtime.sessions() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "inbound.message")
                         .order_by(OutboxEvent.id)).all()
        return [InboundMessage.model_validate(r.payload) for r in rows]


def outbox_rows(runtime: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxEvent)) or 0


@pytest.fixture
def channel(runtime: Any) -> tuple[str, str]:
    return email_channel(runtime, sendgrid_token=SENDGRID_TOKEN, mailgun_signing_key=MAILGUN_KEY)


def sendgrid_parsed(**overrides: Any) -> dict[str, str]:
    headers = ("Received: by mx.sendgrid.net\nMessage-ID: <sg1@example.com>\nFrom: Ana Souza <ana@example.com>\n"
               "To: sales@acme.test\nSubject: Pricing\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n")
    fields = {"headers": headers, "from": "Ana Souza <ana@example.com>", "to": "sales@acme.test",
              "subject": "Pricing", "text": BODY, "html": f"<p>{BODY}</p>",
              "envelope": json.dumps({"to": ["sales@acme.test"], "from": "ana@example.com"}),
              "charsets": json.dumps({"to": "UTF-8", "subject": "UTF-8", "from": "UTF-8", "text": "UTF-8",
                                      "html": "UTF-8"}),
              "SPF": "pass", "attachments": "0"}
    return {**fields, **overrides}


def multipart(fields: dict[str, str | bytes]) -> dict[str, Any]:
    """httpx `files` entries without filenames are sent as plain multipart form fields."""
    return {"files": {k: (None, v) for k, v in fields.items()}}


def mailgun_form(now: float | None = None, token: str | None = None, key: str = MAILGUN_KEY,
                 **overrides: str) -> dict[str, str]:
    ts = str(int(now if now is not None else time.time()))
    token = token or secrets.token_hex(25)
    headers = [["From", "Ana Souza <ana@example.com>"], ["To", "sales@acme.test"], ["Subject", "Pricing"],
               ["Message-Id", "<mg1@example.com>"], ["Date", "Mon, 23 Nov 2026 10:00:00 +0000"]]
    form = {"recipient": "sales@acme.test", "sender": "ana@example.com", "from": "Ana Souza <ana@example.com>",
            "subject": "Pricing", "body-plain": BODY + "\n\nOn Mon, Acme wrote:\n> old", "stripped-text": BODY,
            "message-headers": json.dumps(headers), "Message-Id": "<mg1@example.com>",
            "timestamp": ts, "token": token, "signature": mailgun_signature(key, ts, token)}
    return {**form, **overrides}


# -- SendGrid ---------------------------------------------------------------------------------------
def test_sendgrid_parsed_mode_is_queued_once(live: Any, channel: tuple[str, str]) -> None:
    url = f"{live.url}/webhooks/email/sendgrid?token={SENDGRID_TOKEN}"
    r = httpx.post(url, **multipart(sendgrid_parsed()))
    assert r.status_code == 200, r.text
    assert r.json() == {"queued": 1, "duplicates": 0, "ignored": None}
    again = httpx.post(url, **multipart(sendgrid_parsed()))  # SendGrid's redelivery
    assert again.json() == {"queued": 0, "duplicates": 1, "ignored": None}
    [msg] = queued(live.runtime)
    assert (msg.workspace_id, msg.sender_id, msg.sender_name) == (channel[0], "ana@example.com", "Ana Souza")
    assert (msg.provider_message_id, msg.thread_id) == ("<sg1@example.com>", "<sg1@example.com>")
    assert msg.text == "Pricing\n\n" + BODY
    assert msg.reply_route == {"config_id": channel[1], "to": "ana@example.com", "subject": "Pricing",
                               "message_id": "<sg1@example.com>", "references": []}


def test_sendgrid_charsets_are_honoured(live: Any, channel: tuple[str, str]) -> None:
    fields: dict[str, str | bytes] = {**sendgrid_parsed(), "text": "Olá, precisamos de 40 licenças".encode("latin-1"),
                                      "charsets": json.dumps({"text": "iso-8859-1"})}
    del fields["html"]
    r = httpx.post(f"{live.url}/webhooks/email/sendgrid?token={SENDGRID_TOKEN}", **multipart(fields))
    assert r.status_code == 200, r.text
    assert queued(live.runtime)[0].text.endswith("Olá, precisamos de 40 licenças")


def test_sendgrid_raw_mode_with_basic_auth(live: Any, channel: tuple[str, str]) -> None:
    raw = mail(BODY, message_id="<raw1@example.com>", charset="iso-8859-1").as_bytes()
    fields = {"email": raw, "envelope": json.dumps({"to": ["sales@acme.test"], "from": "ana@example.com"}),
              "charsets": "{}"}
    r = httpx.post(f"{live.url}/webhooks/email/sendgrid", auth=("sendgrid", SENDGRID_TOKEN), **multipart(fields))
    assert r.status_code == 200, r.text
    [msg] = queued(live.runtime)
    assert msg.provider_message_id == "<raw1@example.com>" and msg.text.endswith(BODY)


@pytest.mark.parametrize("query", ["", "?token=wrong"])
def test_sendgrid_without_the_right_token_is_401_and_stores_nothing(live: Any, channel: Any, query: str) -> None:
    r = httpx.post(f"{live.url}/webhooks/email/sendgrid{query}", **multipart(sendgrid_parsed()))
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert "nothing was stored" in r.json()["detail"]
    assert outbox_rows(live.runtime) == 0


def test_sendgrid_unknown_recipient_malformed_and_oversized(live: Any, channel: tuple[str, str]) -> None:
    url = f"{live.url}/webhooks/email/sendgrid?token={SENDGRID_TOKEN}"
    unknown = sendgrid_parsed(envelope=json.dumps({"to": ["nobody@acme.test"], "from": "ana@example.com"}))
    r = httpx.post(url, **multipart(unknown))
    assert r.status_code == 404 and "nobody@acme.test" in r.json()["detail"]
    assert httpx.post(url, json={"email": "x"}).status_code == 400  # not a form
    assert httpx.post(url, **multipart({"subject": "hi"})).status_code == 400  # not Inbound Parse fields
    assert httpx.post(url, **multipart(sendgrid_parsed(envelope="{not json"))).status_code == 400
    broken = httpx.post(url, content=b"--xyz\r\nContent-Disposition: form-data\r\n\r\nbroken",
                        headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert broken.status_code == 400, broken.text
    live.runtime.settings.email_max_bytes = 4096
    big = httpx.post(url, **multipart(sendgrid_parsed(text="40 seats " * 1000)))
    assert big.status_code == 413 and big.json()["title"] == "Payload too large"

    def chunks() -> Any:  # no Content-Length: the limit is enforced while reading
        yield b'--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
        for _ in range(100):
            yield b"x" * 1024

    streamed = httpx.post(url, content=chunks(), headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert streamed.status_code == 413
    empty = httpx.post(url, **multipart(sendgrid_parsed(text="", html="", subject="", headers="From: a@b.test")))
    assert empty.status_code == 422
    assert outbox_rows(live.runtime) == 0


# -- Mailgun ----------------------------------------------------------------------------------------
def test_mailgun_route_is_queued_with_its_quote_stripped(live: Any, channel: tuple[str, str]) -> None:
    r = httpx.post(f"{live.url}/webhooks/email/mailgun", data=mailgun_form())
    assert r.status_code == 200, r.text
    [msg] = queued(live.runtime)
    assert msg.text == "Pricing\n\n" + BODY and msg.provider_message_id == "<mg1@example.com>"


def test_mailgun_bad_missing_or_stale_signatures_are_401(live: Any, channel: tuple[str, str]) -> None:
    url = f"{live.url}/webhooks/email/mailgun"
    wrong = httpx.post(url, data=mailgun_form(key="another-key"))
    assert wrong.status_code == 401 and "signature does not match" in wrong.json()["detail"]
    missing = mailgun_form()
    del missing["signature"]
    assert httpx.post(url, data=missing).status_code == 401
    old = httpx.post(url, data=mailgun_form(now=time.time() - 301))
    assert old.status_code == 401 and old.json()["title"] == "Stale signature"
    live.app.state.email_clock = lambda: 1_700_000_000.0 + 299  # the clock is injectable
    assert httpx.post(url, data=mailgun_form(now=1_700_000_000)).status_code == 200
    live.app.state.email_clock = lambda: 1_700_000_000.0 + 301
    assert httpx.post(url, data=mailgun_form(now=1_700_000_000, **{"Message-Id": "<x@y>"})).status_code == 401
    assert len(queued(live.runtime)) == 1


def test_mailgun_reused_token_is_refused_but_a_redelivery_is_harmless(live: Any, channel: tuple[str, str]) -> None:
    url = f"{live.url}/webhooks/email/mailgun"
    form = mailgun_form(token="t" * 50)
    assert httpx.post(url, data=form).json()["queued"] == 1
    assert httpx.post(url, data=form).json() == {"queued": 0, "duplicates": 1, "ignored": None}
    replay = httpx.post(url, data={**form, "body-plain": "Send the invoice to mallory@evil.test"})
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]
    again = httpx.post(url, data=mailgun_form())  # a new token, the same Message-Id: deduplicated
    assert again.json()["duplicates"] == 1
    assert len(queued(live.runtime)) == 1


def test_mailgun_unknown_recipient_is_406_and_robots_are_not_queued(live: Any, channel: tuple[str, str]) -> None:
    url = f"{live.url}/webhooks/email/mailgun"
    r = httpx.post(url, data=mailgun_form(recipient="nobody@acme.test"))
    assert r.status_code == 406
    headers = json.dumps([["From", "Ana <ana@example.com>"], ["Auto-Submitted", "auto-replied"],
                          ["Message-Id", "<ooo@example.com>"]])
    ooo = httpx.post(url, data=mailgun_form(**{"message-headers": headers, "body-plain": "I am out of office"}))
    assert ooo.status_code == 200 and ooo.json()["ignored"] == "robot: Auto-Submitted: auto-replied"
    assert queued(live.runtime) == []
