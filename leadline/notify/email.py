"""E-mail notifications from jinja2 templates (`templates/<name>.txt`, plus `.html` when present):
subscription mail about any lead event, the nurture mail to the lead's contact, reminders to the owner."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

from leadline import mail
from leadline.notify.errors import DeliveryError
from leadline.notify.events import EVENT_TITLES
from leadline.notify.facts import LeadFacts
from leadline.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(template: str, **context: Any) -> tuple[str, str, str | None]:
    """(subject, text, html): the subject is the text template's first line."""
    env = _env()
    subject, _, text = env.get_template(f"{template}.txt").render(**context).partition("\n")
    try:
        html: str | None = env.get_template(f"{template}.html").render(**context)
    except TemplateNotFound:
        html = None
    return subject.strip(), text.lstrip("\n"), html


def template_for(target: str) -> str:
    return {"contact": "nurture_contact", "owner": "owner_notice"}.get(target, "event")


def send(settings: Settings, template: str, to: list[str], event_id: str, payload: dict[str, Any],
         lead: LeadFacts | None) -> str:
    event_type = str(payload.get("type"))
    subject, text, html = render(template, title=EVENT_TITLES.get(event_type, event_type), event_type=event_type,
                                 event=payload, data=payload.get("data") or {}, lead=lead)
    msg = mail.compose(settings, to, subject, text, html, headers={"X-Leadline-Event-Id": event_id})
    try:
        return mail.send(settings, msg)
    except mail.MailError as e:
        raise DeliveryError(str(e), retryable=e.retryable) from e
