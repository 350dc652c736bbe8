"""E-mail notifications through a real SMTP server (aiosmtpd sink): subscription mail with a plain
text and an HTML part, the nurture mail to the lead's contact, reminders to an owner's address."""

from __future__ import annotations

from datetime import UTC, datetime

from fakes.smtp_sink import SmtpSink
from sqlalchemy import select

from leadline.worker import drain
from storage.db import unit_of_work
from storage.models import Delivery, Lead


def _smtp(rt, sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    rt.settings.smtp_host, rt.settings.smtp_port = sink.host, sink.port
    rt.settings.smtp_from = "Leadline <alerts@acme.io>"


def test_subscription_mail_has_text_and_html_parts(rt, ws_id, subscribe, hot_lead) -> None:  # type: ignore[no-untyped-def]
    with SmtpSink() as sink:
        _smtp(rt, sink)
        subscribe(ws_id, "email", ["lead.qualified"], {"to": ["sales@acme.io"]}, {})
        lead_id = hot_lead(ws_id)
        drain(rt)
        [got] = sink.wait_for(1)
    msg = got.message
    assert got.rcpt_tos == ["sales@acme.io"] and msg["From"] == "Leadline <alerts@acme.io>"
    assert msg["Subject"] == "[Leadline] Hot lead: Maria Lopez" and msg["X-Leadline-Event-Id"].startswith("evt_")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Score:    100 (hot)" in text and f"https://leads.example.com/leads/{lead_id}" in text
    assert "$30k a year set aside" in text and "<q>" in html and "BrightPath" in html


def test_nurture_mails_the_contact_and_reminders_mail_the_owner(rt, ws_id, emit, hot_lead) -> None:  # type: ignore[no-untyped-def]
    lead_id = hot_lead(ws_id)
    with unit_of_work(rt.sessions) as s:
        s.get(Lead, lead_id).owner = "alice@acme.io"
    with SmtpSink() as sink:
        _smtp(rt, sink)
        emit(ws_id, "lead.nurture", lead_id=lead_id, data={"stage": "contacted"})
        emit(ws_id, "lead.follow_up_overdue", lead_id=lead_id, data={"due_at": "2026-11-20T09:00:00+00:00"})
        drain(rt)
        got = sink.wait_for(3)
    by_rcpt = {}
    for r in got:
        by_rcpt.setdefault(r.rcpt_tos[0], []).append(r.message)
    [nurture] = by_rcpt["maria.lopez@brightpath.io"]
    assert "Hello Maria" in nurture.get_body(("plain",)).get_content() and nurture.get_body(("html",)) is not None
    subjects = sorted(m["Subject"] for m in by_rcpt["alice@acme.io"])
    assert subjects == ["[Leadline] Follow-up overdue: Maria Lopez",
                        "[Leadline] Lead entered a nurture stage: Maria Lopez"]
    with rt.sessions() as s:
        assert {(d.target, d.status) for d in s.scalars(select(Delivery))} == {
            ("contact", "delivered"), ("owner", "delivered")} and len(s.scalars(select(Delivery)).all()) == 3


def test_owner_that_is_not_an_address_gets_no_mail_and_smtp_down_is_retried(rt, ws_id, emit, hot_lead) -> None:  # type: ignore[no-untyped-def]
    lead_id = hot_lead(ws_id)
    with unit_of_work(rt.sessions) as s:
        s.get(Lead, lead_id).owner = "Alice"
    rt.settings.smtp_host, rt.settings.smtp_port = "127.0.0.1", 9  # nothing listens there
    emit(ws_id, "lead.follow_up_overdue", lead_id=lead_id)
    emit(ws_id, "lead.nurture", lead_id=lead_id)
    t0 = datetime.now(UTC)
    drain(rt, clock=lambda: t0)  # frozen: the retry is not due within this drain
    with rt.sessions() as s:
        [d] = s.scalars(select(Delivery)).all()
    assert d.target == "contact" and d.status == "pending" and "unreachable" in (d.last_error or "")
