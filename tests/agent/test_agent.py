"""The agent through real storage: a conversation that becomes a scored lead, and bad input."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from agent.types import MAX_MESSAGE_CHARS, InboundMessage
from storage.db import unit_of_work
from storage.models import Consent, Contact, Conversation, Lead, LeadScore, Message, OutboxEvent
from storage.workspaces import UnknownWorkspace, create_workspace

AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def workspace_id(runtime) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.sessions) as s:
        return create_workspace(s, "Acme Analytics", settings={"rubric": "bant"}).id


def say(runtime, ws: str, text: str, *, who: str = "v1", channel: str = "widget", pid: str | None = None):  # type: ignore[no-untyped-def]
    return runtime.agent.handle(InboundMessage(workspace_id=ws, channel=channel, sender_id=who, thread_id=who,
                                               text=text, provider_message_id=pid, received_at=AT))


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_conversation_becomes_a_scored_lead(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    r1 = say(runtime, workspace_id, "Hi, could you send pricing for the Business plan?")
    assert r1.lead_id is None and "email" in r1.text.lower()
    r2 = say(runtime, workspace_id, "Sure, it's maria.lopez@brightpath.io")
    assert r2.lead_id is not None and "lead.captured" in r2.events
    assert r2.conversation_id == r1.conversation_id
    r3 = say(runtime, workspace_id, "yes, that's fine")
    r4 = say(runtime, workspace_id, "We have around $30k a year set aside and I sign off on it myself.")
    assert r4.score is not None and r4.score > (r2.score or 0)
    with runtime.sessions() as s:
        lead = s.get(Lead, r2.lead_id)
        contact = s.get(Contact, lead.contact_id)
        assert contact.email == "maria.lopez@brightpath.io"
        consent = s.scalars(select(Consent)).one()
        assert consent.granted and consent.channel == "widget" and "contact details" in consent.text
        scores = s.scalars(select(LeadScore).where(LeadScore.lead_id == lead.id).order_by(LeadScore.id)).all()
        assert scores[-1].score == lead.score == r4.score
        said = "We have around $30k a year set aside and I sign off on it myself."
        assert scores[-1].breakdown["budget"]["evidence"] in said
        events = [e.event_type for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]
        assert events.count("lead.captured") == 1
        payload = s.scalars(select(OutboxEvent)).first().payload
        assert payload["lead_id"] == lead.id and payload["workspace_id"] == workspace_id
        assert s.scalar(select(func.count()).select_from(Message)) == 8  # 4 visitor + 4 agent
    assert r3.text


def test_no_lead_without_intent_or_email(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    say(runtime, workspace_id, "Our dashboards stopped loading, my login is ops@kestrel.dev", who="support")
    say(runtime, workspace_id, "How much is the Team plan?", who="anon")
    assert count(runtime, Lead) == 0
    assert count(runtime, Contact) == 2


def test_same_email_on_two_channels_is_one_lead(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    a = say(runtime, workspace_id, "Can I get a quote? Email me at lee.chan@orbital.dev", who="w1")
    b = say(runtime, workspace_id, "Hi, I'd like pricing. lee.chan@orbital.dev", who="14155550123",
            channel="whatsapp")
    assert a.lead_id is not None and a.lead_id == b.lead_id
    assert a.conversation_id != b.conversation_id
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contact).where(Contact.merged_into_id.is_(None))) == 1
        convs = s.scalars(select(Conversation)).all()
        assert {c.contact_id for c in convs} == {s.get(Lead, a.lead_id).contact_id}


def test_redelivery_is_a_no_op(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    first = say(runtime, workspace_id, "pricing please", pid="wamid.A", channel="whatsapp", who="1415")
    again = say(runtime, workspace_id, "pricing please", pid="wamid.A", channel="whatsapp", who="1415")
    assert not first.duplicate and again.duplicate
    assert count(runtime, Message) == 2


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (MAX_MESSAGE_CHARS + 1), b"\xff\xfe bad bytes", "a\x00b"])
def test_bad_messages_are_rejected_before_anything_is_stored(runtime, workspace_id: str, text) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        say(runtime, workspace_id, text)
    assert "message text" in str(err.value)
    assert count(runtime, Message) == 0


def test_unknown_workspace_stores_nothing(runtime) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownWorkspace):
        say(runtime, "ws_missing", "hello")
    assert count(runtime, Contact) == 0


def test_a_failing_skill_leaves_nothing_half_written(runtime, workspace_id: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from skills.sdr_lead_qualifier import SdrLeadQualifier

    def boom(self, ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("skill crashed")

    monkeypatch.setattr(SdrLeadQualifier, "run", boom)
    with pytest.raises(RuntimeError):
        say(runtime, workspace_id, "Send me pricing: kim@zeta.io")
    for model in (Message, Contact, Lead, OutboxEvent, Conversation):
        assert count(runtime, model) == 0


def test_corrupt_rubric_is_a_clear_error(runtime, workspace_id: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from skills.rubric import RubricError
    from storage.models import Workspace

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntitle: X\ndimensions: []\nbands: []\n")
    with unit_of_work(runtime.sessions) as s:
        s.get(Workspace, workspace_id).settings = {"rubric": str(bad)}
    with pytest.raises(RubricError, match="dimensions"):
        say(runtime, workspace_id, "pricing?")
    assert count(runtime, Message) == 0


def test_a_routed_reply_is_queued_in_the_turn(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    route = {"config_id": "ch_1", "to": "15551234567"}
    reply = runtime.agent.handle(InboundMessage(
        workspace_id=workspace_id, channel="whatsapp", sender_id="15551234567", thread_id="15551234567",
        text="Hi, what does it cost?", provider_message_id="wamid.A", received_at=AT, reply_route=route))
    with runtime.sessions() as s:
        (event,) = s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "channel.reply")).all()
        assert event.payload["route"] == route and event.payload["text"] == reply.text
        assert event.payload["in_reply_to"] == "wamid.A" and event.payload["channel"] == "whatsapp"
        agent_msg = s.scalars(select(Message).where(Message.role == "agent")).one()
        assert agent_msg.provider_message_id == f"pending:{event.event_id}" and agent_msg.text == reply.text
    assert count(runtime, OutboxEvent) == 1  # a widget turn (no route) queues no reply


def test_timing_said_long_ago_ages_in_later_turns(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    def at(when: datetime, text: str) -> None:
        runtime.agent.handle(InboundMessage(workspace_id=workspace_id, channel="widget", sender_id="v9",
                                            thread_id="v9", text=text, received_at=when))

    def timing_level() -> str:
        with runtime.sessions() as s:
            card = s.scalars(select(LeadScore).order_by(LeadScore.id.desc())).first()
            return card.breakdown["timing"]["level"]

    at(AT, "Hi, what does the Business plan cost? We want it live next month. I'm olga@vantafield.io")
    assert timing_level() == "strong"
    # Sixty days on, "next month" has passed: the next turn scores it as the daily re-score would.
    at(AT + timedelta(days=60), "Sorry for the silence, we are still looking at options.")
    assert timing_level() != "strong"
