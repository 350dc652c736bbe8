"""The agent: one visitor message in, one reply out, every change in ONE transaction.

handle() loads or starts the conversation, stores the message, runs extraction and the
workspace's skills in order, applies their decisions through storage query functions, writes the
events they emitted to the outbox, stores the reply, and commits once (DESIGN: the data path).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent.extraction.base import Extraction, ExtractionBackend
from agent.participants import participants
from agent.replies import compose
from agent.state import ConversationState
from agent.types import InboundMessage, Reply
from skills.base import (
    BookDemo,
    CaptureLead,
    ContactView,
    Decision,
    HotLeadRule,
    LeadView,
    RecordConsent,
    RecordScore,
    RouteHotLead,
    Say,
    Skill,
    SkillContext,
)
from skills.registry import build_skills
from skills.rubric import Rubric, load_rubric
from storage import contacts, conversations, lead_events, leads, outbox, routing
from storage.db import IntegrityError, Session, sessionmaker, unit_of_work
from storage.direct import flush_changes
from storage.ids import new_id
from storage.models import Contact, Conversation, Lead, Workspace

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass
class _Turn:
    """Everything one turn works on; lives only inside the transaction."""

    session: Session
    workspace: Workspace
    conversation: Conversation
    contact: Contact
    lead: Lead | None
    at: datetime
    events: list[tuple[str, dict[str, Any]]]
    consent: bool | None = None
    hot_lead: HotLeadRule | None = None  # the workspace's rule, parsed once with its skills
    views: tuple[ContactView, LeadView | None] | None = None  # rebuilt after a decision changes them


class Agent:
    def __init__(self, sessions: sessionmaker[Session], backend: ExtractionBackend | None = None,
                 clock: Clock | None = None) -> None:
        if backend is None:
            from agent.extraction.rules import RuleBackend

            backend = RuleBackend()
        self.sessions = sessions
        self.backend = backend
        self.clock = clock or (lambda: datetime.now(UTC))
        # Per workspace: (settings snapshot, skills); rebuilt when the settings change.
        self._setup: dict[str, tuple[Any, list[Skill], HotLeadRule]] = {}

    # -- public -----------------------------------------------------------------------------
    def handle(self, msg: InboundMessage) -> Reply:
        try:
            with unit_of_work(self.sessions) as session, session.no_autoflush:
                # The turn's inserts go at once, in call order, and its changes to loaded objects at its
                # end (storage.direct); queries here never need pending rows.
                return self._handle(session, msg)
        except IntegrityError:
            # Two deliveries of the same provider message raced; the first one won.
            if msg.provider_message_id and self._seen(msg):
                return Reply(conversation_id="", text="", duplicate=True)
            raise

    def setup_for(self, workspace: Workspace) -> tuple[list[Skill], Rubric, HotLeadRule]:
        snapshot = (workspace.settings or {}).copy()
        cached = self._setup.get(workspace.id)
        if cached is None or cached[0] != snapshot:
            cached = (snapshot, build_skills(snapshot.get("skills"), snapshot.get("skill_config")),
                      HotLeadRule.from_settings(snapshot))
            self._setup[workspace.id] = cached
        # Loaded every turn: cached per file version, so an edited rubric file applies at once.
        return cached[1], load_rubric(snapshot.get("rubric", "bant")), cached[2]

    # -- the turn ---------------------------------------------------------------------------
    def _seen(self, msg: InboundMessage) -> bool:
        assert msg.provider_message_id is not None
        with self.sessions() as s:
            return conversations.provider_message_seen(s, msg.workspace_id, msg.channel, msg.provider_message_id)

    def _handle(self, session: Session, msg: InboundMessage) -> Reply:
        rows = conversations.load_turn(session, msg.workspace_id, msg.channel, msg.thread_id, msg.sender_id,
                                       msg.provider_message_id)
        ws = rows.workspace
        if rows.seen:
            return Reply(conversation_id="", text="", duplicate=True)
        skills, rubric, hot_lead = self.setup_for(ws)
        at = msg.received_at if msg.received_at.tzinfo else msg.received_at.replace(tzinfo=UTC)
        who = participants(session, rows, msg)
        conv, contact = who.conversation, who.contact

        state = ConversationState.model_validate(conv.state or {})
        extraction = state.observe_visitor(self.backend, msg.text, today=at.date(), channel=msg.channel,
                                           sender_name=msg.sender_name)
        turn = _Turn(session, ws, conv, contact, None, at, [], hot_lead=hot_lead)
        self._apply_contact(turn, extraction)
        turn.lead, turn.consent = who.lead_and_consent(session, turn.contact)

        says: list[tuple[str, Say]] = []
        last_question = state.skill_memory.get("_agent", {}).get("last_question")
        for skill in skills:
            ctx = self._context(turn, msg, rubric, extraction, state, skill.name, last_question)
            result = skill.run(ctx)
            for decision in result.decisions:
                self._apply(turn, decision, rubric)
            turn.events.extend(ctx._events)
            says.extend((skill.name, s) for s in result.say)

        text, asked = self._compose(says, state, extraction)
        state.skill_memory.setdefault("_agent", {})["last_question"] = asked
        state.observe_agent(text)
        # A reply sent through the outbox is found again by its event id when the provider's
        # message id (for delivery statuses and threading) is known.
        reply_event_id = new_id("evt") if msg.reply_route is not None else None
        message_id, reply_id = conversations.record_turn(session, conv, at=at, state_json=state.model_dump_json(),
                                                         messages=[
            ("visitor", msg.text, msg.provider_message_id),
            ("agent", text, f"pending:{reply_event_id}" if reply_event_id else None),
        ])
        events = self._events(turn)
        if reply_event_id:
            events.append(outbox.NewEvent(ws.id, outbox.CHANNEL_REPLY, reply_event_id, {
                "type": outbox.CHANNEL_REPLY,
                "workspace_id": ws.id,
                "conversation_id": conv.id,
                "channel": conv.channel,
                "route": msg.reply_route,
                "text": text,
                "in_reply_to": msg.provider_message_id,
                "occurred_at": at.isoformat(),
            }))
        outbox.enqueue_many(session, events)  # one statement for all of the turn's events
        flush_changes(session)  # the turn's changes to its contact and lead, without a flush at commit
        lead = turn.lead
        return Reply(
            conversation_id=conv.id,
            text=text,
            contact_id=turn.contact.id,
            lead_id=lead.id if lead else None,
            score=lead.score if lead else None,
            band=lead.band if lead else None,
            events=[e for e, _ in turn.events],
            message_id=message_id,
            reply_id=reply_id,
            at=at,
        )

    def _context(self, turn: _Turn, msg: InboundMessage, rubric: Rubric, extraction: Extraction,
                 state: ConversationState, skill_name: str, last_question: str | None) -> SkillContext:
        if turn.views is None:
            c, lead = turn.contact, turn.lead
            lead_view = None
            if lead is not None:
                lead_view = LeadView(lead.id, leads.stage_key(turn.session, lead.stage_id), lead.score, lead.band)
            turn.views = (ContactView(c.id, c.name, c.email, c.phone, c.company, turn.consent), lead_view)
        session, ws_id = turn.session, turn.workspace.id
        return SkillContext(
            workspace_id=ws_id,
            conversation_id=turn.conversation.id,
            channel=msg.channel,
            now=self.clock(),
            text=msg.text,
            previous_agent_text=state.last_agent_text,
            extraction=extraction,
            contact=turn.views[0],
            lead=turn.views[1],
            rubric=rubric,
            memory=state.skill_memory.setdefault(skill_name, {}),
            busy=lambda start, end: leads.busy_intervals(session, ws_id, start, end),
            last_question=last_question,
            hot_lead=turn.hot_lead,
            said_on=state.said_on,
        )

    def _apply_contact(self, turn: _Turn, extraction: Extraction) -> None:
        found = extraction.contact
        c = turn.contact
        changes = {f: getattr(found, f) for f in ("name", "email", "phone", "company", "title")
                   if getattr(found, f) is not None and getattr(found, f) != getattr(c, f)}
        if changes:
            turn.contact = contacts.set_contact_fields(turn.session, c, **changes)
            if turn.contact.id != c.id:
                turn.conversation.contact_id = turn.contact.id

    def _apply(self, turn: _Turn, decision: Decision, rubric: Rubric) -> None:
        s, at = turn.session, turn.at
        turn.views = None
        if isinstance(decision, CaptureLead):
            if turn.lead is None:
                turn.lead = leads.create_lead(s, turn.workspace.id, turn.contact.id, source=decision.source,
                                              channel=turn.conversation.channel, at=at)
            return
        if isinstance(decision, RecordConsent):
            contacts.record_consent(s, turn.contact, granted=decision.granted, text=decision.text,
                                    channel=turn.conversation.channel, conversation_id=turn.conversation.id)
            turn.consent = decision.granted
            if turn.lead is not None and not decision.granted and "no_consent" not in turn.lead.tags:
                turn.lead.tags = [*turn.lead.tags, "no_consent"]
            return
        if turn.lead is None:
            log.warning("skill decision %s without a lead ignored", decision.kind)
            return
        if isinstance(decision, RecordScore):
            card = decision.card
            leads.record_score(s, turn.lead, rubric=card.rubric, score=card.score, band=card.band,
                               breakdown=card.model_dump(mode="json")["dimensions"], reason="conversation", at=at)
        elif isinstance(decision, BookDemo):
            leads.book_demo(s, turn.lead, start=decision.start, end=decision.end, timezone=decision.timezone)
            # move_stage queues lead.stage_changed and lead.demo_booked (with the slot) itself.
            leads.move_stage(s, turn.lead, "demo_booked", actor="agent", at=at, reason="demo booked",
                             conversation_id=turn.conversation.id, data={
                                 "start": decision.start.isoformat(), "end": decision.end.isoformat(),
                                 "timezone": decision.timezone})
        elif isinstance(decision, RouteHotLead):
            if decision.hot:
                routing.mark_hot(s, turn.lead, score=decision.score, threshold=decision.threshold,
                                 tag=decision.tag, crm_flag=decision.crm_flag, at=at, actor="agent")
            else:
                routing.clear_hot(s, turn.lead, score=decision.score, threshold=decision.threshold, at=at,
                                  actor="agent")

    def _compose(self, says: list[tuple[str, Say]], state: ConversationState,
                 extraction: Extraction) -> tuple[str, str | None]:
        statements = [s.text for _, s in says if not s.question]
        questions = [(s.priority, -i, name, s) for i, (name, s) in enumerate(says) if s.question]
        best = max(questions, key=lambda q: (q[0], q[1]), default=None)
        asked = f"{best[2]}:{best[3].key}" if best and best[3].key else None
        text = compose(statements, best[3].text if best else None, first_turn=state.visitor_count == 1,
                       not_a_buyer=bool(extraction.non_buyer))
        return text, asked

    def _events(self, turn: _Turn) -> list[outbox.NewEvent]:
        lead = turn.lead
        return [outbox.NewEvent(turn.workspace.id, event_type, new_id("evt"), lead_events.envelope(
            event_type, workspace_id=turn.workspace.id, lead_id=lead.id if lead else None,
            contact_id=turn.contact.id, conversation_id=turn.conversation.id,
            channel=turn.conversation.channel, at=turn.at, data=data,
        )) for event_type, data in turn.events]


