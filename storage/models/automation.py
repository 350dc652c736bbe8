"""Automation (issue 5): scheduled job runs, once-only marks on leads, hot-lead flags and
per-workspace integrations such as Calendly (migration 0005)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, id_column, ref_column, serial_column, utcnow, workspace_column
from storage.types import EncryptedJSON


class JobRun(Base):
    """One scheduled job for one workspace and one period ("rescore", "2026-11-23"). Inserting the
    row claims the run: the unique constraint lets only one worker win, and the row commits with
    the job's own writes, so a run that fails is rolled back with its claim and tried again."""

    __tablename__ = "job_runs"
    id: Mapped[int] = serial_column()
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40))
    workspace_id: Mapped[str] = workspace_column()
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # counts, for operators
    __table_args__ = (UniqueConstraint("job", "period", "workspace_id", name="uq_job_run"),)


class LeadMark(Base):
    """Something that must happen once per lead and occasion: an SLA escalation per stay in a
    stage, a Calendly webhook per invitee and event. The unique key makes a repeat a no-op."""

    __tablename__ = "lead_marks"
    id: Mapped[int] = serial_column()
    workspace_id: Mapped[str] = workspace_column()
    lead_id: Mapped[str] = ref_column("leads.id")
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("lead_id", "kind", "key", name="uq_lead_mark"),)


class HotLead(Base):
    """A lead routed as hot (SPEC R1). `crm_flag` is what the CRM sync pushes as the hot-lead flag."""

    __tablename__ = "hot_leads"
    lead_id: Mapped[str] = mapped_column(String(40), ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[str] = workspace_column()
    score: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    crm_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[datetime] = mapped_column(default=utcnow)


class Integration(Base):
    """A per-workspace connection to a tool that calls us (Calendly): secrets encrypted at rest."""

    __tablename__ = "integrations"
    id: Mapped[str] = id_column("int")
    workspace_id: Mapped[str] = workspace_column()
    kind: Mapped[str] = mapped_column(String(20))  # calendly
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[Any] = mapped_column(EncryptedJSON, default=dict)  # never returned by the API
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __table_args__ = (UniqueConstraint("workspace_id", "kind", name="uq_integration_kind"),)
