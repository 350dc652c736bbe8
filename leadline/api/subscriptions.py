"""Subscriptions (admin): which lead events go to an e-mail list, a Slack channel or a webhook URL.

Each kind has its own settings and secrets schema. Secrets (Slack bot tokens and incoming-webhook
URLs, webhook signing secrets) are stored encrypted and never returned: responses and the audit log
name which secrets are set, not their values. A webhook's signing secret is generated when none is
given and shown once, in the creation response. Updating `secrets` merges: a given name is set,
`null` removes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from leadline.api.auth import Admin
from leadline.api.deps import DB
from leadline.api.problems import Problem, not_found
from leadline.api.schemas import _check_email
from leadline.notify import signing
from leadline.notify.events import EVENT_TYPES
from leadline.notify.webhook import check_url
from storage import subscriptions
from storage.audit import audit
from storage.models import Subscription

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
Kind = Literal["email", "slack", "webhook"]
EventType = Literal[tuple(sorted(EVENT_TYPES))]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _url(value: str) -> str:
    why = check_url(value)
    if why:
        raise ValueError(why)
    return value


Email = Annotated[str, AfterValidator(_check_email)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_url)]


class WebhookSettings(_Strict):
    url: Url = Field(description="https:// endpoint that receives the signed events")


class WebhookSecrets(_Strict):
    signing_secret: str | None = Field(None, min_length=16, max_length=200,
                                       description="HMAC key; generated (and shown once) when omitted")


class SlackSettings(_Strict):
    channel: str | None = Field(None, min_length=1, max_length=100, description="channel id, with a bot token")
    slack_owners: dict[Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{1,30}$")],
                       Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=dict, description='Slack user id -> Leadline owner for "Claim", e.g. {"U123": "a@b.io"}')


class SlackSecrets(_Strict):
    bot_token: str | None = Field(None, min_length=1, max_length=500, pattern=r"^xox[a-z]-")
    webhook_url: Url | None = Field(None, description="an incoming-webhook URL instead of a bot token")


class EmailSettings(_Strict):
    to: list[Email] = Field(min_length=1, max_length=20)


class EmailSecrets(_Strict):
    pass


SCHEMAS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "webhook": (WebhookSettings, WebhookSecrets),
    "slack": (SlackSettings, SlackSecrets),
    "email": (EmailSettings, EmailSecrets),
}
Events = Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]


class SubscriptionCreate(_Strict):
    kind: Kind
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    events: Events
    settings: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, Any] = Field(default_factory=dict, description="write-only")
    active: bool = True


class SubscriptionPatch(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    events: Events | None = None
    settings: dict[str, Any] | None = Field(None, description="replaces the settings")
    secrets: dict[str, Any | None] | None = Field(None, description="merged; null removes a secret")
    active: bool | None = None


class SubscriptionOut(BaseModel):
    id: str
    kind: str
    name: str
    events: list[str]
    settings: dict[str, Any]
    secrets_set: list[str] = Field(description="names of the secrets stored (values are never returned)")
    active: bool
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionOut):
    signing_secret: str | None = Field(None, description="the webhook signing secret; shown only now")


def _out(sub: Subscription) -> SubscriptionOut:
    return SubscriptionOut(id=sub.id, kind=sub.kind, name=sub.name, events=list(sub.events),
                           settings=dict(sub.settings or {}), secrets_set=sorted((sub.secrets or {}).keys()),
                           active=sub.active, created_at=sub.created_at, updated_at=sub.updated_at)


def _invalid(part: str, e: ValidationError) -> Problem:
    errors = [{"field": ".".join([part, *(str(p) for p in err["loc"])]), "in": "body",
               "message": str(err["msg"]).removeprefix("Value error, ")} for err in e.errors()]
    return Problem(422, "; ".join(f"{x['field']}: {x['message']}" for x in errors), kind="validation-error",
                   title="Unprocessable Content", errors=errors)


def _validated(kind: str, settings: dict[str, Any], secrets: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    settings_model, secrets_model = SCHEMAS[kind]
    try:
        s = settings_model.model_validate(settings).model_dump(exclude_none=True)
    except ValidationError as e:
        raise _invalid("settings", e) from None
    try:
        x = secrets_model.model_validate(secrets).model_dump(exclude_none=True)
    except ValidationError as e:
        raise _invalid("secrets", e) from None
    if kind == "slack" and not x.get("webhook_url") and not (x.get("bot_token") and s.get("channel")):
        raise Problem(422, "a Slack subscription needs secrets.webhook_url, or secrets.bot_token with settings.channel",
                      kind="validation-error", title="Unprocessable Content",
                      errors=[{"field": "secrets", "in": "body", "message": "webhook_url or bot_token + channel"}])
    return s, x


def _record(sub: Subscription) -> dict[str, Any]:
    return {"kind": sub.kind, "name": sub.name, "events": list(sub.events), "settings": dict(sub.settings or {}),
            "secrets_set": sorted((sub.secrets or {}).keys()), "active": sub.active}


@router.get("", response_model=list[SubscriptionOut], summary="List subscriptions (admin)")
def list_subscriptions(session: DB, caller: Admin) -> list[SubscriptionOut]:
    return [_out(s) for s in subscriptions.list_subscriptions(session, caller.workspace_id)]


@router.post("", response_model=SubscriptionCreated, status_code=201, summary="Subscribe to lead events (admin)")
def create_subscription(body: SubscriptionCreate, session: DB, caller: Admin) -> SubscriptionCreated:
    settings, secrets = _validated(body.kind, body.settings, body.secrets)
    generated = None
    if body.kind == "webhook" and not secrets.get("signing_secret"):
        generated = secrets["signing_secret"] = signing.new_secret()
    sub = subscriptions.add_subscription(session, caller.workspace_id, body.kind, list(dict.fromkeys(body.events)),
                                         name=body.name, settings=settings, secrets=secrets, active=body.active)
    audit(session, caller.workspace_id, caller.actor, "subscription.create", "subscription", sub.id,
          before=None, after=_record(sub))
    return SubscriptionCreated(**_out(sub).model_dump(), signing_secret=generated)


def _get(session: DB, caller: Admin, subscription_id: str) -> Subscription:
    sub = subscriptions.get_subscription(session, caller.workspace_id, subscription_id)
    if sub is None:
        raise not_found("subscription", subscription_id)
    return sub


@router.get("/{subscription_id}", response_model=SubscriptionOut, summary="Fetch a subscription (admin)")
def get_subscription(subscription_id: str, session: DB, caller: Admin) -> SubscriptionOut:
    return _out(_get(session, caller, subscription_id))


@router.patch("/{subscription_id}", response_model=SubscriptionOut, summary="Change a subscription (admin)")
def patch_subscription(subscription_id: str, body: SubscriptionPatch, session: DB, caller: Admin) -> SubscriptionOut:
    sub = _get(session, caller, subscription_id)
    before = _record(sub)
    merged = dict(sub.secrets or {})
    for name, value in (body.secrets or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    settings, secrets = _validated(sub.kind, sub.settings if body.settings is None else body.settings, merged)
    if sub.kind == "webhook" and not secrets.get("signing_secret"):
        raise Problem(422, "a webhook subscription must keep a signing secret", kind="validation-error",
                      title="Unprocessable Content",
                      errors=[{"field": "secrets.signing_secret", "in": "body", "message": "cannot be removed"}])
    sub.settings, sub.secrets = settings, secrets
    if body.name is not None:
        sub.name = body.name
    if body.events is not None:
        sub.events = list(dict.fromkeys(body.events))
    if body.active is not None:
        sub.active = body.active
    after = _record(sub)
    if after != before:
        audit(session, caller.workspace_id, caller.actor, "subscription.update", "subscription", sub.id,
              before=before, after=after)
    session.flush()
    return _out(sub)


@router.delete("/{subscription_id}", status_code=204, summary="Delete a subscription (admin)")
def delete_subscription(subscription_id: str, session: DB, caller: Admin) -> Response:
    """Its delivery log stays (without the subscription); pending retries to it are dropped."""
    sub = _get(session, caller, subscription_id)
    audit(session, caller.workspace_id, caller.actor, "subscription.delete", "subscription", sub.id,
          before=_record(sub), after=None)
    subscriptions.delete_subscription(session, sub)
    return Response(status_code=204)
