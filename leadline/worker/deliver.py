"""Sending one delivery through its transport (webhook, Slack, e-mail)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from leadline.notify import email, slack, webhook
from leadline.notify.errors import DeliveryError
from leadline.notify.facts import LeadFacts
from leadline.settings import Settings


@dataclass(frozen=True)
class Job:
    """What a send needs, read from the database before the network is touched."""

    delivery_id: str
    attempt: int
    kind: str
    target: str
    subscription_id: str | None
    sub_settings: dict[str, Any]
    sub_secrets: dict[str, Any]
    event_id: str
    event_type: str
    payload: dict[str, Any]
    lead: LeadFacts | None


def send(settings: Settings, http: httpx.Client, job: Job) -> int | None:
    """Returns the receiver's status code when there is one; raises DeliveryError on failure."""
    if job.kind == "webhook":
        url, secret = job.sub_settings.get("url"), job.sub_secrets.get("signing_secret")
        if not url or not secret:
            raise DeliveryError("the webhook subscription has no url or signing secret", retryable=False)
        content = webhook.body(job.event_id, job.payload, job.lead.public() if job.lead else None)
        return webhook.post(http, url, secret, job.event_id, job.event_type, content, job.attempt)
    if job.kind == "slack":
        if job.event_type == "lead.qualified" and job.lead is not None:
            text, blocks = slack.lead_alert(job.lead, job.subscription_id or "")
        else:
            text, blocks = slack.event_message(job.event_type, job.payload, job.lead)
        status, _ts = slack.post(job.sub_settings, job.sub_secrets, settings.slack_api_url, text, blocks,
                                 settings.webhook_timeout_seconds)
        return status
    if job.kind == "email":
        if job.target == "contact":
            to = [job.lead.email] if job.lead and job.lead.email else []
        elif job.target == "owner":
            to = [job.lead.owner] if job.lead and job.lead.owner and "@" in job.lead.owner else []
        else:
            to = list(job.sub_settings.get("to") or [])
        if not to:
            raise DeliveryError(f"no e-mail address for the {job.target} recipient (erased lead or no owner)",
                                retryable=False)
        email.send(settings, email.template_for(job.target), to, job.event_id, job.payload, job.lead)
        return 250
    raise DeliveryError(f"unknown delivery kind {job.kind!r}", retryable=False)
