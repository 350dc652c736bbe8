"""Exactly-once claims: scheduled job runs per (job, period, workspace) and once-only marks on
leads. Both insert a row whose unique key decides who wins; the loser's insert is skipped (ON
CONFLICT DO NOTHING) after waiting for the write lock on SQLite; on PostgreSQL a transaction-scoped
advisory lock first makes a worker skip a run another one is busy with instead of waiting for it.
Two workers never both see themselves as the winner."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models.automation import JobRun, LeadMark


def _insert_once(session: Session, table: Table, values: dict[str, Any], key: list[str]) -> bool:
    dialect = session.get_bind().dialect.name
    make_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if make_insert is None:
        raise NotImplementedError(f"exactly-once claims need PostgreSQL or SQLite, not {dialect}")
    stmt = make_insert(table).values(**values).on_conflict_do_nothing(index_elements=key).returning(table.c[key[0]])
    return session.execute(stmt).first() is not None


def claim_run(session: Session, job: str, period: str, workspace_id: str, *, worker: str,
              at: datetime) -> JobRun | None:
    """Claim this run; None when another worker has it. The claim commits (or rolls back) with the
    job's writes in the same transaction. Call it first in the transaction: on SQLite a transaction
    that read before writing cannot wait for the lock."""
    if session.get_bind().dialect.name == "postgresql" and not session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _lock_key(job, period, workspace_id)}
    ):
        return None  # another worker is running it right now: skip at once instead of waiting for it
    table = JobRun.__table__
    won = _insert_once(session, table, {"job": job, "period": period, "workspace_id": workspace_id,
                                        "worker": worker[:100], "started_at": at, "result": {}},
                       ["job", "period", "workspace_id"])
    if not won:
        return None
    return session.scalar(select(JobRun).where(JobRun.job == job, JobRun.period == period,
                                               JobRun.workspace_id == workspace_id))


def _lock_key(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big", signed=True)


def finish_run(run: JobRun, *, at: datetime, result: dict[str, Any]) -> None:
    run.finished_at, run.result = at, result


def runs_of_period(session: Session, job: str, period: str) -> set[str]:
    """Workspaces whose run of this job and period is already committed (a cheap pre-check)."""
    return set(session.scalars(select(JobRun.workspace_id).where(JobRun.job == job, JobRun.period == period)))


def mark_once(session: Session, workspace_id: str, lead_id: str, kind: str, key: str, *, at: datetime) -> bool:
    """True the first time (lead, kind, key) is marked, False on every repeat."""
    session.flush()  # the lead row may still be pending
    return _insert_once(session, LeadMark.__table__, {"workspace_id": workspace_id, "lead_id": lead_id,
                                                      "kind": kind, "key": key[:100], "created_at": at},
                        ["lead_id", "kind", "key"])


def recent_runs(session: Session, workspace_id: str, limit: int) -> list[JobRun]:
    return list(session.scalars(select(JobRun).where(JobRun.workspace_id == workspace_id)
                                .order_by(JobRun.id.desc()).limit(limit)))
