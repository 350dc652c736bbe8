"""Channel configuration (admin; issue 4): connect a WhatsApp number, an inbound e-mail address or a
Slack team to the workspace. Each kind has its own settings and secrets schema; secrets are stored
encrypted and never returned: responses and the audit log name which secrets are set, not their
values. Updating `secrets` merges: a given name is set, `null` removes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leadline.api.auth import Admin
from leadline.api.deps import DB
from leadline.api.problems import Problem, not_found
from leadline.api.schemas import ProblemOut, _check_email
from storage import channel_configs
from storage.audit import audit
from storage.models import ChannelConfig
from storage.sessions import Session

router = APIRouter(prefix="/v1/channels", tags=["channels"])
Kind = Literal["whatsapp", "email", "slack"]
_TAKEN = {409: {"model": ProblemOut, "content": {"application/problem+json": {}},
                "description": "the address is already connected"}}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- per-kind schemas -------------------------------------------------------------------------------
class WhatsAppTemplate(_Strict):
    """The approved template sent outside the 24-hour customer-service window."""

    name: str = Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]+$")
    language: str = Field("en_US", min_length=2, max_length=15)
    components: list[dict[str, Any]] = Field(default_factory=list)


class WhatsAppSettings(_Strict):
    display_phone_number: str | None = Field(None, max_length=30)
    template: WhatsAppTemplate | None = None
    media_reply: str | None = Field(None, min_length=1, max_length=1000,
                                    description="answer to images, audio and stickers")


class WhatsAppSecrets(_Strict):
    access_token: str = Field(min_length=1, max_length=1000)


class EmailSettings(_Strict):
    from_name: str | None = Field(None, max_length=200)


class EmailSecrets(_Strict):
    mailgun_signing_key: str | None = Field(None, min_length=1, max_length=500)
    sendgrid_token: str | None = Field(None, min_length=1, max_length=500)


class SlackSettings(_Strict):
    # The app's bot user in this team: its own messages (and mentions of it) are not visitor text.
    bot_user_id: str | None = Field(None, pattern=r"^[UW][A-Z0-9]{1,30}$")
    # Channel ids the agent answers in; empty means every channel the app is in (DMs always).
    channels: list[Annotated[str, Field(pattern=r"^[CGD][A-Z0-9]{1,30}$")]] = Field(default_factory=list,
                                                                                 max_length=500)


class SlackSecrets(_Strict):
    bot_token: str = Field(min_length=1, max_length=500, pattern=r"^xox[a-z]-")


SCHEMAS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "whatsapp": (WhatsAppSettings, WhatsAppSecrets),
    "email": (EmailSettings, EmailSecrets),
    "slack": (SlackSettings, SlackSecrets),
}


def check_address(kind: str, address: str) -> str:
    address = address.strip()
    if kind == "whatsapp" and not (address.isdigit() and len(address) <= 30):
        raise ValueError("a WhatsApp address is the phone number id: digits only (not the phone number)")
    if kind == "email":
        return _check_email(address)
    if kind == "slack" and not (address[:1] in ("T", "E") and address.isalnum() and address.isupper()):
        raise ValueError("a Slack address is the team id, e.g. T0123ABCD")
    return address


# -- bodies -----------------------------------------------------------------------------------------
class ChannelCreate(_Strict):
    kind: Kind
    address: str = Field(min_length=1, max_length=255,
                         description="WhatsApp phone number id, inbound e-mail address or Slack team id")
    name: str = Field("", max_length=100)
    settings: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, Any] = Field(default_factory=dict)
    active: bool = True


class ChannelPatch(_Strict):
    address: str | None = Field(None, min_length=1, max_length=255)
    name: str | None = Field(None, max_length=100)
    settings: dict[str, Any] | None = Field(None, description="replaces the settings")
    secrets: dict[str, Any] | None = Field(None, description="merged: a name set to null is removed")
    active: bool | None = None


class ChannelOut(BaseModel):
    id: str
    kind: Kind
    address: str
    name: str
    settings: dict[str, Any]
    secrets_set: list[str] = Field(description="names of the secrets that are set; values are never returned")
    active: bool
    created_at: datetime
    updated_at: datetime


def _out(c: ChannelConfig) -> ChannelOut:
    return ChannelOut(id=c.id, kind=c.kind, address=c.address, name=c.name, settings=dict(c.settings or {}),
                      secrets_set=_secret_names(c.secrets), active=c.active, created_at=c.created_at,
                      updated_at=c.updated_at)


def _secret_names(secrets: dict[str, Any] | None) -> list[str]:
    return sorted(k for k, v in (secrets or {}).items() if v is not None)


def _view(c: ChannelConfig) -> dict[str, Any]:
    """What the audit log keeps: everything but secret values."""
    return {"kind": c.kind, "address": c.address, "name": c.name, "settings": dict(c.settings or {}),
            "secrets_set": _secret_names(c.secrets), "active": c.active}


# -- validation helpers -----------------------------------------------------------------------------
def _validated(model: type[BaseModel], data: dict[str, Any], field: str) -> dict[str, Any]:
    try:
        return model.model_validate(data).model_dump(mode="json", exclude_none=True)
    except ValidationError as e:
        errors = [{"field": ".".join([field, *(str(p) for p in err["loc"])]), "in": "body",
                   "message": err["msg"].removeprefix("Value error, ")} for err in e.errors()]
        raise Problem(422, "; ".join(f"{x['field']}: {x['message']}" for x in errors), kind="validation-error",
                      title="Unprocessable Content", errors=errors) from None


def _address(session: Session, kind: str, address: str, config_id: str | None = None) -> str:
    try:
        address = check_address(kind, address)
    except ValueError as e:
        raise Problem(422, f"address: {e}", kind="validation-error", title="Unprocessable Content",
                      errors=[{"field": "address", "in": "body", "message": str(e)}]) from None
    taken = channel_configs.config_by_address(session, kind, address)
    if taken is not None and taken.id != config_id:
        raise Problem(409, f"the {kind} address {address!r} is already connected (in this or another workspace)",
                      kind="conflict")
    return address


def _config(session: Session, workspace_id: str, config_id: str) -> ChannelConfig:
    config = channel_configs.get_config(session, workspace_id, config_id)
    if config is None:
        raise not_found("channel", config_id)
    return config


# -- endpoints --------------------------------------------------------------------------------------
@router.get("", response_model=list[ChannelOut], summary="List channels (admin)")
def get_channels(session: DB, caller: Admin, kind: Annotated[Kind | None, Query()] = None) -> list[ChannelOut]:
    return [_out(c) for c in channel_configs.list_configs(session, caller.workspace_id, kind)]


@router.post("", response_model=ChannelOut, status_code=201, summary="Connect a channel (admin)", responses=_TAKEN)
def add_channel(body: ChannelCreate, session: DB, caller: Admin, response: Response) -> ChannelOut:
    """Per kind (unknown names are refused):
    - `whatsapp`: address = phone number id; settings `display_phone_number`, `template` {name,
      language, components} (sent outside the 24-hour window), `media_reply`; secrets `access_token`.
    - `email`: address = inbound address; settings `from_name`; secrets `mailgun_signing_key`, `sendgrid_token`.
    - `slack`: address = team id; secrets `bot_token`."""
    settings_model, secrets_model = SCHEMAS[body.kind]
    settings = _validated(settings_model, body.settings, "settings")
    secrets = _validated(secrets_model, body.secrets, "secrets")
    address = _address(session, body.kind, body.address)
    config = channel_configs.add_config(session, caller.workspace_id, body.kind, address, name=body.name,
                                        settings=settings, secrets=secrets)
    config.active = body.active
    audit(session, caller.workspace_id, caller.actor, "channel.create", "channel", config.id, before=None,
          after=_view(config))
    response.headers["Location"] = f"/v1/channels/{config.id}"
    return _out(config)


@router.get("/{config_id}", response_model=ChannelOut, summary="Get a channel (admin)")
def get_channel(config_id: str, session: DB, caller: Admin) -> ChannelOut:
    return _out(_config(session, caller.workspace_id, config_id))


@router.patch("/{config_id}", response_model=ChannelOut, summary="Change a channel (admin)", responses=_TAKEN)
def change_channel(config_id: str, body: ChannelPatch, session: DB, caller: Admin) -> ChannelOut:
    config = _config(session, caller.workspace_id, config_id)
    before = _view(config)
    settings_model, secrets_model = SCHEMAS[config.kind]
    given = body.model_dump(exclude_unset=True)
    for field in ("name", "active"):
        if field in given and given[field] is None:
            raise Problem(422, f"{field}: may not be null", kind="validation-error", title="Unprocessable Content",
                          errors=[{"field": field, "in": "body", "message": "may not be null"}])
    if body.address is not None:
        config.address = channel_configs.normalise_address(config.kind,
                                                           _address(session, config.kind, body.address, config.id))
    if body.settings is not None:
        config.settings = _validated(settings_model, body.settings, "settings")
    if body.secrets is not None:
        merged = {k: v for k, v in {**(config.secrets or {}), **body.secrets}.items() if v is not None}
        config.secrets = _validated(secrets_model, merged, "secrets")
    if body.name is not None:
        config.name = body.name
    if body.active is not None:
        config.active = body.active
    after = _view(config)
    if after != before or body.secrets:
        audit(session, caller.workspace_id, caller.actor, "channel.update", "channel", config.id, before=before,
              after=after | ({"secrets_changed": sorted(body.secrets)} if body.secrets else {}))
    session.flush()
    return _out(config)


@router.delete("/{config_id}", status_code=204, summary="Disconnect a channel (admin)")
def delete_channel(config_id: str, session: DB, caller: Admin) -> Response:
    config = _config(session, caller.workspace_id, config_id)
    audit(session, caller.workspace_id, caller.actor, "channel.delete", "channel", config.id, before=_view(config),
          after=None)
    channel_configs.delete_config(session, config)
    return Response(status_code=204)
