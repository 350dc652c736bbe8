"""Run scheduled jobs exactly once per period, fanned out per workspace (SPEC R3).

`run_due_jobs(runtime, now)` is called about every 30 s by every worker loop (`leadline serve`
and each `leadline worker`). For every job whose period has started and every active workspace
without a run of that period, it claims the run by inserting a `job_runs` row (unique on job,
period, workspace) and does the work in the SAME transaction (a long scan comes first, outside
it: `Job.plan`). So:
- two workers never both run it: the second insert waits for the first and then skips;
- a run that fails (or a worker that dies) rolls back with its claim, and the next tick retries;
- large deployments spread the work: each workspace is its own small transaction, claimed by
  whichever worker gets to it, instead of one worker holding one huge transaction.
A missed period (the service was down at 03:00) runs when the service is back, once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from leadline.automation import reminders, rescore, retention, sla
from storage import job_runs
from storage.automation_queries import active_workspace_ids
from storage.db import Session, unit_of_work
from storage.models import Workspace

if TYPE_CHECKING:
    from leadline.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    every: Literal["day", "hour"]
    hour: int = 0  # UTC hour of a daily job

    def period(self, now: datetime) -> str:
        """The key of the latest period that has started at `now` (UTC)."""
        if self.every == "hour":
            return now.strftime("%Y-%m-%dT%H")
        due = now.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        if now < due:
            due -= timedelta(days=1)
        return due.date().isoformat()


@dataclass(frozen=True)
class JobContext:
    session: Session
    workspace: Workspace
    now: datetime
    period: str
    planned: Any = None  # what the job's `plan` found, when it has one


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    run: Callable[[JobContext], dict[str, Any]]  # returns counts, kept on the run row
    # Reads done before the run's transaction: the claim is that transaction's first write, and on
    # SQLite the one write lock is held from there to its end, so a long scan there would hold up
    # every webhook and agent turn. `run` gets the result as `ctx.planned` and writes only.
    plan: Callable[[JobContext], Any] | None = None


JOBS: tuple[Job, ...] = (
    Job("retention_purge", Schedule("day", 2), retention.run),
    Job("rescore", Schedule("day", 3), rescore.run, plan=rescore.plan),  # SPEC S6
    Job("follow_up_reminders", Schedule("day", 8), reminders.run, plan=reminders.plan),  # SPEC R3
    Job("sla_escalation", Schedule("hour"), sla.run, plan=sla.plan),  # once per stay: lead_marks
)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_due_jobs(runtime: Runtime, now: datetime, *, jobs: tuple[Job, ...] = JOBS) -> list[str]:
    """Run what is due and not yet run; returns "job:period:workspace" for each run done here."""
    now = now.astimezone(UTC)
    worker = worker_name()
    with runtime.sessions() as s:
        workspaces = active_workspace_ids(s)
        todo = []
        for job in jobs:
            period = job.schedule.period(now)
            done = job_runs.runs_of_period(s, job.name, period)  # spares a write attempt per tick
            todo += [(job, period, ws) for ws in workspaces if ws not in done]
    ran: list[str] = []
    for job, period, ws in todo:
        try:
            if _run_one(runtime, job, period, ws, now, worker):
                ran.append(f"{job.name}:{period}:{ws}")
        except Exception:  # rolled back with its claim: retried on the next tick
            log.exception("scheduled job %s for %s (%s) failed", job.name, ws, period)
    return ran


def _run_one(runtime: Runtime, job: Job, period: str, workspace_id: str, now: datetime, worker: str) -> bool:
    planned = None
    if job.plan is not None:
        with runtime.sessions() as s:  # read only
            ws = s.get(Workspace, workspace_id)
            assert ws is not None
            planned = job.plan(JobContext(s, ws, now, period))
    with unit_of_work(runtime.sessions) as s:
        run = job_runs.claim_run(s, job.name, period, workspace_id, worker=worker, at=now)
        if run is None:
            return False
        ws = s.get(Workspace, workspace_id)
        assert ws is not None
        result = job.run(JobContext(s, ws, now, period, planned))
        job_runs.finish_run(run, at=now, result=result)
        log.info("scheduled job %s for %s (%s): %s", job.name, workspace_id, period, result)
        return True
