"""Parsing inbound e-mail: MIME and charsets, HTML, quoted replies, robots, thread ids, text limits."""

from __future__ import annotations

import pytest
from fakes.email_mail import mail

from agent.types import MAX_MESSAGE_CHARS
from channels.email_html import html_to_text
from channels.email_parse import header_block, parse_bytes, parse_fields, strip_quoted, visitor_text


def test_a_plain_reply_is_parsed_with_its_thread_and_without_its_quote() -> None:
    body = ("Olá! We need 40 seats before March.\n\nAtenciosamente,\nAna Souza\nHead of Ops, Example Ltda\n"
            "+55 11 98765-4321\n\nEm seg., 23 de nov. de 2026 às 10:02, Acme Sales <sales@acme.test> escreveu:\n"
            "> How many seats do you need?\n> \n")
    raw = mail(body, sender='"Souza, Ana" <Ana@Example.COM>', subject="Re: Pricing", message_id="<m2@example.com>",
               in_reply_to="<m1@acme.test>", references=["<m0@example.com>", "<m1@acme.test>"],
               charset="iso-8859-1").as_bytes()
    assert b"iso-8859-1" in raw
    p = parse_bytes(raw)
    assert (p.from_address, p.from_name, p.recipients) == ("ana@example.com", "Souza, Ana", ["sales@acme.test"])
    assert (p.message_id, p.in_reply_to, p.references) == ("<m2@example.com>", "<m1@acme.test>",
                                                           ["<m0@example.com>", "<m1@acme.test>"])
    assert p.thread_root == "<m0@example.com>"
    assert p.reply_chain == ["<m0@example.com>", "<m1@acme.test>", "<m2@example.com>"]
    assert p.text == ("Olá! We need 40 seats before March.\n\nAtenciosamente,\nAna Souza\nHead of Ops, Example Ltda\n"
                      "+55 11 98765-4321")
    assert not p.is_robot
    assert visitor_text(p) == p.text  # a reply: the subject is not repeated


@pytest.mark.parametrize("history", [
    "On Mon, Nov 23, 2026 at 10:02 AM Acme Sales <sales@acme.test>\nwrote:\n> How many seats?\n",
    "El lun, 23 nov 2026 a las 10:02, Acme Sales (<sales@acme.test>) escribió:\n> ¿Cuántos puestos?\n",
    "-----Original Message-----\nFrom: Acme Sales <sales@acme.test>\nSent: Monday, November 23, 2026 10:02\n"
    "To: Ana\nSubject: Pricing\n\nHow many seats?\n",
    "________________________________\nFrom: Acme Sales <sales@acme.test>\nSent: Monday, November 23, 2026\n"
    "To: Ana\nSubject: Pricing\n\nHow many seats?\n",
    "De: Acme Sales <sales@acme.test>\nEnviado el: lunes, 23 de noviembre de 2026\nPara: Ana\n\n¿Cuántos?\n",
])
def test_quoted_history_is_stripped_and_the_signature_kept(history: str) -> None:
    assert strip_quoted(f"About 40 seats.\n\nBest,\nAna Souza\nExample Ltda\n\n{history}") == \
        "About 40 seats.\n\nBest,\nAna Souza\nExample Ltda"


def test_an_answer_below_the_quote_is_kept() -> None:
    text = "On Mon, Acme <sales@acme.test> wrote:\n> How many seats?\n> When?\n\n40 seats, in March.\n\n-- \nAna"
    assert strip_quoted(text) == "40 seats, in March.\n\n--\nAna"


def test_a_message_that_is_only_a_quote_keeps_its_text() -> None:
    assert strip_quoted("> forwarded words\n> more") == "> forwarded words\n> more"


def test_an_html_only_mail_is_converted_and_its_blockquote_history_dropped() -> None:
    html = ("<html><head><style>p{color:red}</style></head><body><div>Hi,&nbsp;we need <b>40</b> seats.</div>"
            "<ul><li>SSO</li><li>Audit log</li></ul><div>Ana Souza<br>CTO, Example</div>"
            "<div class=gmail_quote><div>On Mon, Acme wrote:</div><blockquote>How many <p>seats?</p>"
            "</blockquote></div><script>alert(1)</script></body></html>")
    msg = mail("x", html=html)
    msg.get_body(("plain",)).set_content("")  # an empty text part: the HTML one is used
    p = parse_bytes(msg.as_bytes())
    assert p.text == "Hi, we need 40 seats.\n\n- SSO\n- Audit log\n\nAna Souza\nCTO, Example"
    assert html_to_text("<pre>a\n  b</pre><p>x &amp; y</p>") == "a\n  b\n\nx & y"


def test_an_unknown_charset_is_decoded_leniently() -> None:
    raw = (b"From: ana@example.com\r\nTo: sales@acme.test\r\nSubject: hi\r\nMessage-ID: <u@x>\r\n"
           b"Content-Type: text/plain; charset=x-unknown-8bit\r\n\r\nWe need 40 seats \xe9\r\n")
    assert parse_bytes(raw).text.startswith("We need 40 seats")


@pytest.mark.parametrize(("headers", "envelope_from", "reason"), [
    ({"Auto-Submitted": "auto-replied"}, None, "Auto-Submitted: auto-replied"),
    ({"Precedence": "bulk"}, None, "Precedence: bulk"),
    ({"X-Autoreply": "yes"}, None, "X-Autoreply header"),
    ({"List-Id": "<news.example.com>"}, None, "List-Id header"),
    ({"Return-Path": "<>"}, None, "empty Return-Path (a bounce)"),
    ({}, "", "empty envelope sender (a bounce)"),
])
def test_robots_are_recognised(headers: dict[str, str], envelope_from: str | None, reason: str) -> None:
    p = parse_bytes(mail("I am out of office", headers=headers).as_bytes(), envelope_from=envelope_from)
    assert p.robot == reason


def test_bounces_from_mailer_daemon_and_reports_are_robots() -> None:
    daemon = mail("failed", sender="MAILER-DAEMON@mx.example.com")
    assert parse_bytes(daemon.as_bytes()).robot == "sender mailer-daemon@"
    report = (b"From: postmaster@mx.example.com\r\nTo: sales@acme.test\r\nSubject: Undeliverable\r\n"
              b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
              b"Content-Type: text/plain\r\n\r\nDelivery failed\r\n--b--\r\n")
    assert parse_bytes(report).robot == "delivery or read report (multipart/report)"
    assert parse_bytes(mail("hi", headers={"Auto-Submitted": "no"}).as_bytes()).robot is None


def test_a_message_without_message_id_gets_a_stable_one() -> None:
    raw = b"From: ana@example.com\r\nTo: sales@acme.test\r\nSubject: hi\r\n\r\nWe need 40 seats\r\n"
    first, again = parse_bytes(raw), parse_bytes(raw)
    assert first.message_id == again.message_id and first.message_id.endswith("@no-message-id.invalid>")
    assert parse_bytes(raw.replace(b"40", b"41")).message_id != first.message_id


def test_provider_fields_parse_like_mime() -> None:
    headers = header_block([["From", "Ana <ana@example.com>"], ["Subject", "=?utf-8?q?Pre=C3=A7o?="],
                            ["Message-Id", "<mg1@example.com>"], ["Reply-To", "buyer@example.com"]])
    p = parse_fields(headers, text="We need 40 seats", html=None, envelope_to=["Sales@Acme.test"])
    assert (p.subject, p.message_id, p.recipients, p.reply_address) == (
        "Preço", "<mg1@example.com>", ["sales@acme.test"], "buyer@example.com")
    assert visitor_text(p) == "Preço\n\nWe need 40 seats"  # a first message: its subject is read too


def test_a_long_mail_is_cut_to_the_agent_limit_keeping_head_and_signature() -> None:
    body = "\n".join(f"Paragraph {i}: " + "lorem ipsum " * 20 for i in range(60)) + "\n\nBest,\nAna Souza\nCTO"
    p = parse_bytes(mail(body).as_bytes())
    text = visitor_text(p)
    assert len(text) <= MAX_MESSAGE_CHARS
    assert text.startswith("Pricing for our team\n\nParagraph 0:") and text.endswith("Best,\nAna Souza\nCTO")
    assert "\n[…]\n" in text
