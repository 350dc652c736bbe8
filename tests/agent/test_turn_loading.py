"""What a turn loads in one statement, and the cases where it creates or re-reads: a new sender in a
known thread, a known sender in a new thread, a deactivated workspace, and the order of stored messages."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from agent.types import InboundMessage
from storage import conversations
from storage.db import unit_of_work
from storage.models import ChannelIdentity, Contact, Conversation, Lead, Message, Workspace
from storage.workspaces import UnknownWorkspace, create_workspace

AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def workspace_id(runtime) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.sessions) as s:
        return create_workspace(s, "Acme Analytics", settings={"rubric": "bant"}).id


def say(runtime, ws: str, text: str, *, who: str, thread: str, channel: str = "email"):  # type: ignore[no-untyped-def]
    return runtime.agent.handle(InboundMessage(workspace_id=ws, channel=channel, sender_id=who, thread_id=thread,
                                               text=text, received_at=AT))


def test_load_turn_reads_the_thread_with_its_contact_and_lead(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    say(runtime, workspace_id, "Hi, pricing please. I'm Dana, dana@ledgerline.com", who="dana@x", thread="t1")
    say(runtime, workspace_id, "yes", who="dana@x", thread="t1")
    with runtime.sessions() as s:
        rows = conversations.load_turn(s, workspace_id, "email", "t1", "dana@x")
        assert rows.conversation is not None and rows.contact is not None and rows.lead is not None
        assert rows.contact.id == rows.conversation.contact_id == rows.lead.contact_id == rows.sender_contact_id
        assert rows.contact.email == "dana@ledgerline.com" and rows.consent is True
        fresh = conversations.load_turn(s, workspace_id, "email", "t2", "someone-new")
        assert fresh.workspace.id == workspace_id
        assert fresh.conversation is fresh.contact is fresh.lead is fresh.consent is fresh.sender_contact_id is None


def test_a_new_sender_in_a_known_thread_joins_its_contact(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    r1 = say(runtime, workspace_id, "Hi, pricing please. I'm Dana, dana@ledgerline.com", who="dana@x", thread="t1")
    r2 = say(runtime, workspace_id, "Adding myself here, we have $40k a year for this.", who="cfo@x", thread="t1")
    assert r2.conversation_id == r1.conversation_id and r2.contact_id == r1.contact_id
    assert r2.lead_id == r1.lead_id is not None
    with runtime.sessions() as s:
        # The new sender's identity is stored (to reach them again), on a contact of its own.
        assert s.scalar(select(func.count()).select_from(ChannelIdentity)) == 2
        assert s.scalar(select(func.count()).select_from(Contact)) == 2


def test_a_known_sender_in_a_new_thread_keeps_contact_and_lead(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    r1 = say(runtime, workspace_id, "Hi, pricing please. I'm Dana, dana@ledgerline.com", who="dana@x", thread="t1")
    r2 = say(runtime, workspace_id, "Another question: do you offer a trial?", who="dana@x", thread="t2")
    assert r2.conversation_id != r1.conversation_id
    assert r2.contact_id == r1.contact_id and r2.lead_id == r1.lead_id is not None
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Conversation)) == 2
        assert s.scalar(select(func.count()).select_from(Lead)) == 1


def test_messages_are_stored_in_order(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    r = say(runtime, workspace_id, "Hi, could you send pricing?", who="v", thread="v", channel="widget")
    say(runtime, workspace_id, "it's ana@brightpath.io", who="v", thread="v", channel="widget")
    with runtime.sessions() as s:
        rows = s.execute(select(Message.role, Message.text).where(Message.conversation_id == r.conversation_id)
                         .order_by(Message.id)).all()
        conv = s.get(Conversation, r.conversation_id)
    assert [role for role, _ in rows] == ["visitor", "agent", "visitor", "agent"]
    assert rows[0].text == "Hi, could you send pricing?" and rows[1].text == r.text
    assert conv.last_message_at == AT


def test_a_deactivated_workspace_is_refused(runtime, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.sessions) as s:
        s.get(Workspace, workspace_id).active = False
    with pytest.raises(UnknownWorkspace):
        say(runtime, workspace_id, "Hi, pricing please", who="v", thread="v")
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 0
