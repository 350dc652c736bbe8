"""The lead events subscriptions can ask for (SPEC R2), and how they are described to people."""

from __future__ import annotations

# Facts written by the agent, the API and automation; each reaches every matching subscription.
EVENT_TITLES: dict[str, str] = {
    "lead.captured": "New lead captured",
    "lead.qualified": "Hot lead",
    "lead.demo_booked": "Demo booked",
    "lead.opportunity": "Lead became an opportunity",
    "lead.stage_changed": "Lead stage changed",
    "lead.score_changed": "Lead score changed",
    "lead.synced": "Lead synced to the CRM",
    "lead.sync_failed": "Lead CRM sync failed",
    "lead.nurture": "Lead entered a nurture stage",
    "lead.follow_up_overdue": "Follow-up overdue",
    "lead.sla_breached": "Stage SLA breached",
}
EVENT_TYPES = frozenset(EVENT_TITLES)
# Built-in e-mail recipients besides subscriptions: the lead's contact gets the nurture mail, the
# lead's owner (when the owner field is an e-mail address) gets these reminders.
CONTACT_MAIL_EVENTS = frozenset({"lead.nurture"})
OWNER_MAIL_EVENTS = frozenset({"lead.nurture", "lead.follow_up_overdue", "lead.sla_breached"})


def is_fact(event_type: str) -> bool:
    return event_type.startswith("lead.")
