"""Routing details: an answer to our reply finds its conversation by our reply's Message-ID, also
before the worker has recorded that id on the agent message (`pending:<event_id>`); a bounce of
our reply marks it failed and is never answered."""

from __future__ import annotations

from typing import Any

from fakes.email_mail import email_channel, mail
from sqlalchemy import select

from agent.types import InboundMessage
from channels.email_inbound import accept
from channels.email_parse import parse_bytes
from channels.email_send import message_id_for
from storage import outbox
from storage.db import unit_of_work
from storage.models import Message, OutboxEvent


def test_an_answer_to_a_reply_not_yet_recorded_joins_its_conversation(runtime: Any) -> None:
    ws_id, config_id = email_channel(runtime)
    first = InboundMessage(workspace_id=ws_id, channel="email", sender_id="ana@example.com",
                           thread_id="<root@example.com>", text="We need 40 seats.",
                           provider_message_id="<root@example.com>",
                           reply_route={"config_id": config_id, "to": "ana@example.com", "subject": "Seats",
                                        "message_id": "<root@example.com>", "references": []})
    runtime.agent.handle(first)
    with runtime.sessions() as s:
        pending = s.scalars(select(Message.provider_message_id).where(Message.role == "agent")).one()
    assert pending.startswith("pending:evt_")
    our_id = message_id_for(pending.removeprefix("pending:"), "sales@acme.test")
    # The visitor's client kept only In-Reply-To (no References): only our reply's id links the thread.
    answer = parse_bytes(mail("And SSO, please.", subject="Re: Seats", message_id="<a2@example.com>",
                              in_reply_to=our_id).as_bytes())
    assert answer.thread_root == our_id
    assert accept(runtime.sessions, answer).queued == 1
    with runtime.sessions() as s:
        row = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "inbound.message")).one()
    queued = InboundMessage.model_validate(row.payload)
    assert queued.thread_id == "<root@example.com>"
    assert queued.reply_route is not None and queued.reply_route["references"] == [our_id]


DSN = """From: MAILER-DAEMON@mx.example.com
To: sales@acme.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn1@mx.example.com>
Content-Type: multipart/report; report-type=delivery-status; boundary=b

--b
Content-Type: text/plain

Your message could not be delivered. We need 40 seats, ana@example.com, what does it cost?
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; ana@example.com
Action: {action}
Status: 5.1.1

--b
Content-Type: message/rfc822

From: sales@acme.test
To: ana@example.com
Message-ID: {our_id}
Subject: Re: Seats

Thanks! How many seats do you need?
--b--
"""


def test_a_bounce_of_our_reply_marks_it_failed_and_is_not_answered(runtime: Any) -> None:
    ws_id, config_id = email_channel(runtime)
    runtime.agent.handle(InboundMessage(
        workspace_id=ws_id, channel="email", sender_id="ana@example.com", thread_id="<r@example.com>",
        text="We need 40 seats.", provider_message_id="<r@example.com>",
        reply_route={"config_id": config_id, "to": "ana@example.com", "subject": "Seats",
                     "message_id": "<r@example.com>", "references": []}))
    with runtime.sessions() as s:
        event_id = s.scalars(select(Message.provider_message_id).where(Message.role == "agent")).one()[8:]
    our_id = message_id_for(event_id, "sales@acme.test")
    with unit_of_work(runtime.sessions) as s:  # what the worker does after sending
        assert outbox.resolve_pending_message(s, ws_id, event_id, our_id)

    delayed = parse_bytes(DSN.format(action="delayed", our_id=our_id).encode())
    assert delayed.is_robot and delayed.bounced_ids == []
    bounce = parse_bytes(DSN.format(action="failed", our_id=our_id).encode(), envelope_from="")
    assert bounce.bounced_ids == [our_id]
    result = accept(runtime.sessions, bounce)
    assert result.queued == 0 and result.ignored == "robot: delivery or read report (multipart/report)"
    with runtime.sessions() as s:
        agent_msg = s.scalars(select(Message).where(Message.role == "agent")).one()
        assert (agent_msg.delivery_status, agent_msg.delivery_error) == ("failed",
                                                                         "bounced: Undelivered Mail Returned to Sender")
        assert s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "inbound.message")).all() == []
