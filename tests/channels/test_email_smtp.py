"""The e-mail channel end to end with real parts: smtplib delivers to the running `leadline smtp`
server, the worker runs the agent turn, the reply arrives by SMTP in a sink, threaded."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_KEY
from fakes.email_mail import email_channel, mail
from fakes.smtp_sink import SmtpSink
from sqlalchemy import func, select

from channels.email_send import EmailSendError, send_reply
from channels.email_smtp_server import start_server
from leadline.worker import drain
from storage.models import Contact, Conversation, Lead, Message, OutboxEvent

FIRST = ("Hi, we are looking at tools for our 40-person sales team and need something before March.\n"
         "What does it cost?\n\nBest,\nAna Souza\nHead of Sales, Example Ltda\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(runtime: Any, max_bytes: int = 1024 * 1024) -> Iterator[int]:
    port = free_port()
    controller = start_server(runtime.sessions, "127.0.0.1", port, max_bytes=max_bytes)
    try:
        yield port
    finally:
        controller.stop()


def deliver(port: int, message: Any, **kwargs: Any) -> dict[str, Any]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.send_message(message, **kwargs)


def count(runtime: Any, model: Any, *where: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def queued(runtime: Any) -> int:
    return count(runtime, OutboxEvent, OutboxEvent.event_type == "inbound.message")


def test_a_mail_is_answered_in_its_thread_and_the_answer_joins_the_conversation(runtime: Any) -> None:
    email_channel(runtime)
    with SmtpSink() as sink, smtp_server(runtime) as port:
        runtime.settings.smtp_host, runtime.settings.smtp_port = sink.host, sink.port
        deliver(port, mail(FIRST, message_id="<m1@example.com>"))
        assert queued(runtime) == 1
        drain(runtime)
        [first] = sink.wait_for(1)
        reply = first.message
        assert first.rcpt_tos == ["ana@example.com"] and first.mail_from == "sales@acme.test"
        assert reply["From"] == "Acme Sales <sales@acme.test>" and reply["To"] == "ana@example.com"
        assert reply["Subject"] == "Re: Pricing for our team"
        assert (reply["In-Reply-To"], reply["References"]) == ("<m1@example.com>", "<m1@example.com>")
        assert reply["Auto-Submitted"] == "auto-replied"
        our_id = reply["Message-ID"]
        assert our_id.endswith("@acme.test>")
        with runtime.sessions() as s:
            assert len(s.scalars(select(Conversation)).all()) == 1
            msgs = s.scalars(select(Message).order_by(Message.id)).all()
            assert [(m.role, m.provider_message_id) for m in msgs] == [("visitor", "<m1@example.com>"),
                                                                       ("agent", our_id)]
            assert reply.get_content().strip() == msgs[1].text.strip()
            assert "40-person sales team" in msgs[0].text and "Ana Souza" in msgs[0].text

        # Outlook-style answer: only In-Reply-To, naming our reply; the quote is not the visitor's.
        answer = mail("Yes, about 40 seats. I am the decision maker, budget is approved.\n\nAna\n\n"
                      "-----Original Message-----\nFrom: Acme Sales <sales@acme.test>\nSent: Monday\n\n"
                      + msgs[1].text, subject="RE: Pricing for our team", message_id="<m2@example.com>",
                      in_reply_to=our_id)
        deliver(port, answer)
        drain(runtime)
        second = sink.wait_for(2)[1].message
        assert second["In-Reply-To"] == "<m2@example.com>"
        assert second["References"].split() == [our_id, "<m2@example.com>"]  # may be folded
        assert second["Subject"] == "RE: Pricing for our team"
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Conversation)) == 1
        texts = [(m.role, m.text) for m in s.scalars(select(Message).order_by(Message.id))]
        assert [r for r, _ in texts] == ["visitor", "agent", "visitor", "agent"]
        assert texts[2][1] == "Yes, about 40 seats. I am the decision maker, budget is approved.\n\nAna"


def test_unknown_recipients_are_refused_at_rcpt_and_nothing_is_stored(runtime: Any) -> None:
    email_channel(runtime)
    with smtp_server(runtime) as port:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            deliver(port, mail(FIRST, to="nobody@acme.test"))
        assert refused.value.recipients["nobody@acme.test"][0] == 550
        # One known and one unknown recipient: accepted for the known one only.
        assert deliver(port, mail(FIRST, to="Sales@Acme.test, nobody@acme.test"))["nobody@acme.test"][0] == 550
    assert queued(runtime) == 1


def test_an_oversized_mail_is_refused_with_552(runtime: Any) -> None:
    email_channel(runtime)
    with smtp_server(runtime, max_bytes=4096) as port:
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as refused:
            deliver(port, mail("We need 40 seats. " * 400))
        assert refused.value.smtp_code == 552
        deliver(port, mail("We need 40 seats."))  # the server still works
    assert queued(runtime) == 1


def test_a_redelivered_mail_is_one_message_and_one_reply(runtime: Any) -> None:
    email_channel(runtime)
    with SmtpSink() as sink, smtp_server(runtime) as port:
        runtime.settings.smtp_host, runtime.settings.smtp_port = sink.host, sink.port
        message = mail(FIRST, message_id="<dup@example.com>")
        deliver(port, message)
        deliver(port, message)
        drain(runtime)
        deliver(port, message)  # after its turn ran, too
        drain(runtime)
        assert len(sink.wait_for(2, timeout=1.0)) == 1
    assert queued(runtime) == 1
    assert count(runtime, Message) == 2 and count(runtime, Contact) == 1 and count(runtime, Conversation) == 1


@pytest.mark.parametrize("robot", [
    {"headers": {"Auto-Submitted": "auto-replied", "Subject": "Out of office"}},
    {"sender": "MAILER-DAEMON@mx.example.com"},
    {"mail_from": ""},  # a bounce: empty envelope sender
    {"sender": "Acme Sales <sales@acme.test>"},  # our own address: a loop
])
def test_robots_are_accepted_but_never_answered_and_make_no_lead(runtime: Any, robot: dict[str, Any]) -> None:
    email_channel(runtime)
    body = ("Delivery failed for ana@example.com. Original message: we need 40 seats, what does it cost? "
            "Ana Souza, ana@example.com")
    headers = dict(robot.get("headers", {}))
    subject = headers.pop("Subject", "Undeliverable: Pricing")
    message = mail(body, sender=robot.get("sender", "Ana <ana@example.com>"), subject=subject, headers=headers)
    with smtp_server(runtime) as port:
        deliver(port, message, **({"from_addr": robot["mail_from"]} if "mail_from" in robot else {}))
        drain(runtime)
    assert queued(runtime) == 0
    assert count(runtime, Message) == 0 and count(runtime, Lead) == 0 and count(runtime, Contact) == 0
    assert count(runtime, OutboxEvent, OutboxEvent.event_type == "channel.reply") == 0


def test_send_reply_errors_say_whether_to_retry(runtime: Any) -> None:
    ws_id, config_id = email_channel(runtime)
    payload = {"workspace_id": ws_id, "text": "Hello", "route": {
        "config_id": config_id, "to": "ana@example.com", "subject": "Hi", "message_id": "<m1@example.com>",
        "references": []}}
    runtime.settings.smtp_host, runtime.settings.smtp_port = "127.0.0.1", free_port()  # nobody listens
    with pytest.raises(EmailSendError) as unreachable:
        send_reply(runtime, "evt_1", payload)
    assert unreachable.value.retryable
    runtime.settings.smtp_host = None
    with pytest.raises(EmailSendError) as unconfigured:
        send_reply(runtime, "evt_1", payload)
    assert not unconfigured.value.retryable
    with SmtpSink() as sink:
        runtime.settings.smtp_host, runtime.settings.smtp_port = sink.host, sink.port
        assert send_reply(runtime, "evt_1", payload) == send_reply(runtime, "evt_1", payload)  # same id on retry
        gone = {**payload, "route": {**payload["route"], "config_id": "ch_missing"}}
        with pytest.raises(EmailSendError) as missing:
            send_reply(runtime, "evt_2", gone)
        assert not missing.value.retryable
        assert len(sink.wait_for(2)) == 2


def test_the_leadline_smtp_command_serves_configured_addresses(runtime: Any, tmp_path: Path) -> None:
    email_channel(runtime)
    port = free_port()
    env = {**os.environ, "LEADLINE_DATABASE_URL": runtime.settings.database_url, "LEADLINE_DATA_KEY": TEST_KEY,
           "LEADLINE_DEMO_WORKSPACE": "false", "LEADLINE_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "leadline.cli", "smtp", "--port", str(port)], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr and proc.stderr.read()
                time.sleep(0.1)
        deliver(port, mail(FIRST))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            deliver(port, mail(FIRST, to="nobody@acme.test"))
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"listening on 127.0.0.1:{port}" in err
    assert queued(runtime) == 1
