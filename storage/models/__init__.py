"""SQLAlchemy models, one module per area; import them from here.

`core` holds the conversation and lead tables; `channels` the per-workspace channel configuration;
`delivery` the outbox fan-out (subscriptions, deliveries); `automation` routing rules and
scheduled job runs. Every module's tables are in `Base.metadata`, which the migrations match.
"""

# Imported so their tables join Base.metadata.
from storage.models import automation as automation
from storage.models import delivery as delivery
from storage.models.channels import ChannelConfig
from storage.models.core import (
    Activity,
    ApiKey,
    AuditLog,
    Base,
    Booking,
    ChannelIdentity,
    Consent,
    Contact,
    Conversation,
    IdempotencyKey,
    Lead,
    LeadScore,
    LeasedRow,
    Message,
    OutboxEvent,
    PipelineStage,
    Workspace,
    utcnow,
)
from storage.models.delivery import Delivery, Subscription

__all__ = [
    "Activity",
    "ApiKey",
    "AuditLog",
    "Base",
    "Booking",
    "ChannelConfig",
    "ChannelIdentity",
    "Consent",
    "Contact",
    "Conversation",
    "Delivery",
    "IdempotencyKey",
    "Lead",
    "LeadScore",
    "LeasedRow",
    "Message",
    "OutboxEvent",
    "PipelineStage",
    "Subscription",
    "Workspace",
    "utcnow",
]
