"""run_due_jobs: periods, exactly-once across concurrent workers (a claimed row per job, period
and workspace), retry after a failure, fan-out per active workspace."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from leadline.automation.scheduler import Job, JobContext, Schedule, run_due_jobs
from storage.db import unit_of_work
from storage.lead_events import envelope
from storage.models import OutboxEvent, Workspace
from storage.models.automation import JobRun
from storage.outbox import enqueue

NOW = datetime(2026, 11, 23, 3, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize(("schedule", "now", "period"), [
    (Schedule("day", 3), datetime(2026, 11, 23, 2, 59, tzinfo=UTC), "2026-11-22"),
    (Schedule("day", 3), datetime(2026, 11, 23, 3, 0, tzinfo=UTC), "2026-11-23"),
    (Schedule("day", 8), datetime(2026, 11, 23, 23, 59, tzinfo=UTC), "2026-11-23"),
    (Schedule("hour"), datetime(2026, 11, 23, 14, 59, tzinfo=UTC), "2026-11-23T14"),
])
def test_the_period_is_the_latest_one_started(schedule: Schedule, now: datetime, period: str) -> None:
    assert schedule.period(now) == period


def _counting_job(calls: list[str], *, pause: float = 0.0, fail_once: set[str] | None = None) -> Job:
    lock = threading.Lock()

    def run(ctx: JobContext) -> dict[str, Any]:
        # Writes in the claim's transaction, like the real jobs; the pause widens the race.
        enqueue(ctx.session, ctx.workspace.id, "test.tick", envelope(
            "test.tick", workspace_id=ctx.workspace.id, lead_id=None, contact_id=None, conversation_id=None,
            channel=None, at=ctx.now, data={"period": ctx.period}))
        time.sleep(pause)
        with lock:
            if fail_once is not None and ctx.workspace.id in fail_once:
                fail_once.discard(ctx.workspace.id)
                raise RuntimeError("boom")
            calls.append(ctx.workspace.id)
        return {"ok": 1}

    return Job("tick", Schedule("day", 3), run)


def _ticks(runtime: Any) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "test.tick"))


def test_two_workers_at_once_run_each_job_once_per_workspace(runtime, make_workspace) -> None:  # type: ignore[no-untyped-def]
    workspaces = {make_workspace(f"W{i}") for i in range(3)}
    calls: list[str] = []
    job = _counting_job(calls, pause=0.05)
    results: list[list[str]] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        results.append(run_due_jobs(runtime, NOW, jobs=(job,)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(calls) == sorted(workspaces)  # each workspace once, whoever ran it
    assert sorted(r for rs in results for r in rs) == sorted(f"tick:2026-11-23:{ws}" for ws in workspaces)
    assert _ticks(runtime) == 3
    with runtime.sessions() as s:
        runs = s.scalars(select(JobRun)).all()
        assert len(runs) == 3 and all(r.finished_at is not None and r.result == {"ok": 1} for r in runs)
    # Later ticks in the same period do nothing; the next day's period runs again.
    assert run_due_jobs(runtime, NOW.replace(hour=20), jobs=(job,)) == []
    assert len(run_due_jobs(runtime, NOW.replace(day=24), jobs=(job,))) == 3
    assert _ticks(runtime) == 6


def test_a_worker_skips_at_once_what_another_is_running_on_postgresql(runtime, make_workspace) -> None:  # type: ignore[no-untyped-def]
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: a second worker waits for the lock, then skips the committed run")
    ws = make_workspace()
    calls: list[str] = []
    slow = _counting_job(calls, pause=1.5)
    first = threading.Thread(target=run_due_jobs, args=(runtime, NOW), kwargs={"jobs": (slow,)})
    first.start()
    deadline = time.monotonic() + 10
    while not _advisory_locks(runtime) and time.monotonic() < deadline:  # the first worker is inside its run
        time.sleep(0.01)
    started = time.monotonic()
    assert run_due_jobs(runtime, NOW, jobs=(slow,)) == []
    assert time.monotonic() - started < 1.0
    first.join(30)
    assert calls == [ws]


def _advisory_locks(runtime: Any) -> int:
    with runtime.engine.connect() as c:
        return c.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").scalar()


def test_a_failed_run_is_rolled_back_with_its_claim_and_retried(runtime, make_workspace) -> None:  # type: ignore[no-untyped-def]
    a, b = make_workspace("A"), make_workspace("B")
    calls: list[str] = []
    job = _counting_job(calls, fail_once={a})
    assert run_due_jobs(runtime, NOW, jobs=(job,)) == [f"tick:2026-11-23:{b}"]  # A failed, B is not held up
    assert _ticks(runtime) == 1  # A's write went with its claim
    assert run_due_jobs(runtime, NOW.replace(minute=1), jobs=(job,)) == [f"tick:2026-11-23:{a}"]
    assert calls == [b, a] and _ticks(runtime) == 2


def test_inactive_workspaces_are_skipped(runtime, make_workspace) -> None:  # type: ignore[no-untyped-def]
    live, gone = make_workspace("Live"), make_workspace("Gone")
    with unit_of_work(runtime.sessions) as s:
        s.get(Workspace, gone).active = False
    calls: list[str] = []
    run_due_jobs(runtime, NOW, jobs=(_counting_job(calls),))
    assert calls == [live]


def test_the_real_jobs_all_run_once_per_period(runtime, make_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    ran = run_due_jobs(runtime, NOW)
    assert sorted(r.split(":")[0] for r in ran) == ["follow_up_reminders", "rescore", "retention_purge",
                                                    "sla_escalation"]
    assert all(r.endswith(ws) for r in ran)
    assert run_due_jobs(runtime, NOW) == []
