"""Pydantic models at the API boundary: request bodies and responses (money in cents, times UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

Source = Literal["website", "referral", "paid_ads", "organic_search", "social_media", "cold_outreach", "event",
                 "partner", "other"]  # SPEC L4
Channel = Literal["widget", "whatsapp", "email", "slack", "hosted_page"]
SyncStatus = Literal["synced", "pending", "error", "below_threshold"]  # SPEC C2
ActivityKind = Literal["call", "email", "meeting", "note"]  # what people log by hand (SPEC P3)
Outcome = Literal["open", "won", "lost", "disqualified"]
BULK_LIMIT = 200  # SPEC A2, K1
PAGE_LIMIT = 200


def _check_email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as e:
        raise ValueError(f"not a valid e-mail address: {e}") from None


def _check_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("use the international format with a country code, e.g. +14155550123") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _no_control(value: str) -> str:
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("contains control characters")
    return value


Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_check_email)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_check_phone)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 AfterValidator(_no_control)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_no_control)]
LongText = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_no_control)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50,
                                       pattern=r"^[^\x00-\x1f,]+$")]
Cents = Annotated[int, Field(ge=0, le=9_007_199_254_740_991)]
StageKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


def _dedupe(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


Tags = Annotated[list[Tag], Field(max_length=50), AfterValidator(_dedupe)]


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("contains a NUL byte")
    if isinstance(value, list | tuple | set | dict):
        for item in value.values() if isinstance(value, dict) else value:
            _no_nul(item)
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _strings_without_nul(cls, value: Any) -> Any:
        # No NUL byte in any string of a request body, ids included: PostgreSQL refuses them in text (a 500).
        return _no_nul(value)


# --- problems -----------------------------------------------------------------------------------
class FieldError(BaseModel):
    field: str
    # where the field is: body, query, path or header
    in_: str = Field(alias="in")
    message: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


# --- leads --------------------------------------------------------------------------------------
class LeadOut(BaseModel):
    id: str
    contact_id: str
    name: str | None
    email: str | None
    phone: str | None
    company: str | None
    title: str | None
    company_size: int | None
    deal_value_cents: int | None
    stage: str = Field(description="the stage key, e.g. `qualified`")
    score: int | None
    band: str | None
    tags: list[str]
    owner: str | None
    source: str
    channel: str | None
    captured_at: datetime
    last_activity_at: datetime
    next_follow_up_at: datetime | None
    crm_sync_status: str
    crm_ids: dict[str, Any]


class LeadPage(BaseModel):
    data: list[LeadOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class DimensionOut(BaseModel):
    key: str
    label: str
    level: str
    points: int
    quote: str | None = Field(description="the visitor's words that set this level, verbatim")


class ScoreOut(BaseModel):
    rubric: str
    score: int
    band: str
    reason: str
    scored_at: datetime
    dimensions: list[DimensionOut]


class ScoreHistoryOut(BaseModel):
    score: int
    band: str
    rubric: str
    reason: str
    scored_at: datetime


class MessageOut(BaseModel):
    conversation_id: str
    channel: str
    role: str
    text: str
    at: datetime


class ActivityOut(BaseModel):
    id: int
    kind: str
    summary: str
    actor: str
    data: dict[str, Any]
    at: datetime


class ConsentOut(BaseModel):
    granted: bool
    text: str
    channel: str
    at: datetime


class LeadDetail(LeadOut):
    notes: str | None
    score_breakdown: ScoreOut | None = Field(description="the latest score with each dimension's quote")
    score_history: list[ScoreHistoryOut]
    transcript: list[MessageOut]
    timeline: list[ActivityOut] = Field(description="newest first")
    consents: list[ConsentOut]


class LeadCreate(Strict):
    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    company: ShortText | None = None
    title: ShortText | None = None
    company_size: Annotated[int, Field(ge=1)] | None = None
    deal_value_cents: Cents | None = None
    source: Source = "other"
    stage: StageKey | None = None
    owner: ShortText | None = None
    tags: Tags = Field(default_factory=list)
    notes: LongText | None = None


class LeadPatch(Strict):
    """Only the fields sent are changed; send null to clear owner, deal value, follow-up or notes."""

    stage: StageKey | None = None
    tags: Tags | None = None
    owner: ShortText | None = None
    deal_value_cents: Cents | None = None
    next_follow_up_at: AwareDatetime | None = None
    notes: LongText | None = None

    @field_validator("stage", "tags")
    @classmethod
    def _not_null(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("cannot be null")
        return v


class ActivityCreate(Strict):
    kind: ActivityKind
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000),
                       AfterValidator(_no_control)]
    occurred_at: AwareDatetime | None = Field(None, description="when it happened; default now")


class BulkRequest(Strict):
    ids: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        min_length=1, description=f"at most {BULK_LIMIT} lead ids")
    action: Literal["tag", "untag", "stage", "sync", "notify"]
    tags: Tags | None = Field(None, description="for tag and untag")
    stage: StageKey | None = Field(None, description="for stage")
    message: ShortText | None = Field(None, description="for notify: a note for the sales team")

    @field_validator("ids")
    @classmethod
    def _limit(cls, ids: list[str]) -> list[str]:
        ids = list(dict.fromkeys(ids))
        if len(ids) > BULK_LIMIT:
            raise ValueError(f"a bulk operation takes at most {BULK_LIMIT} leads; got {len(ids)}")
        return ids


class BulkResult(BaseModel):
    action: str
    matched: int
    changed: int


# --- capture ------------------------------------------------------------------------------------
class CaptureIn(BaseModel):
    """A website form submission. Unknown fields are ignored so existing forms keep working."""

    model_config = ConfigDict(extra="ignore")

    workspace: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="the workspace's public key (`pk_…`)")
    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    company: ShortText | None = None
    title: ShortText | None = None
    source: Source = "website"
    message: Annotated[str, StringConstraints(max_length=4000), AfterValidator(_no_control)] | None = None
    consent: bool | None = Field(None, description="the visitor's answer to the form's consent checkbox")
    consent_text: ShortText | None = Field(None, description="the consent wording shown on the form")
    website: str | None = Field(None, description="honeypot: leave empty (hide it from people with CSS)")


class CaptureOut(BaseModel):
    status: Literal["accepted"] = "accepted"
    capture_id: str


# --- analytics ----------------------------------------------------------------------------------
class StageSummary(BaseModel):
    stage_id: str
    stage_name: str
    count: int
    value: int = Field(description="sum of deal values, cents")


class PipelineSummary(BaseModel):
    total: int
    active: int = Field(description="leads in open (non-terminal) stages")
    won: int
    lost: int
    total_pipeline_value: int = Field(description="sum of deal values of active leads, cents")
    conversion_rate: float = Field(description="percentage of leads won")
    avg_score: float | None = Field(description="average score of scored leads")
    by_stage: list[StageSummary]


class SourceCount(BaseModel):
    key: str | None
    count: int
    share: float = Field(description="percentage of all leads")
    won: int
    avg_score: float | None
    value: int = Field(description="sum of deal values, cents")


class SourcesOut(BaseModel):
    total: int
    by_source: list[SourceCount]
    by_channel: list[SourceCount]


# --- stages -------------------------------------------------------------------------------------
class StageOut(BaseModel):
    id: str
    key: str
    name: str
    position: int
    win_probability: int
    color: str
    auto_nurture: bool
    sla_days: int | None
    outcome: str


Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class StageCreate(Strict):
    key: StageKey
    name: Name
    win_probability: Annotated[int, Field(ge=0, le=100)] = 0
    color: Color = "#64748b"
    auto_nurture: bool = False
    sla_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    outcome: Outcome = "open"
    position: Annotated[int, Field(ge=0)] | None = Field(None, description="default: last")


class StagePatch(Strict):
    name: Name | None = None
    win_probability: Annotated[int, Field(ge=0, le=100)] | None = None
    color: Color | None = None
    auto_nurture: bool | None = None
    sla_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    outcome: Outcome | None = None
    position: Annotated[int, Field(ge=0)] | None = None


class StageOrder(Strict):
    keys: list[StageKey] = Field(min_length=1)


# --- API keys -----------------------------------------------------------------------------------
class ApiKeyCreate(Strict):
    name: Name
    scopes: list[Literal["read", "write", "admin"]] = Field(min_length=1)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the secret; shown only now")
