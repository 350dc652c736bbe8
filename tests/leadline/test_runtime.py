"""The runtime's turn threads: how many by default, and what finishing and closing do."""

from __future__ import annotations

import threading
import time

from leadline.runtime import build_runtime


def test_turn_threads_default_by_database_and_follow_the_setting(settings) -> None:  # type: ignore[no-untyped-def]
    rt = build_runtime(settings.model_copy(update={"turn_threads": None}))
    try:
        sqlite = rt.engine.dialect.name == "sqlite"
        assert rt.turns._max_workers == (1 if sqlite else 4)  # one writer at a time on SQLite
    finally:
        rt.close()
    rt = build_runtime(settings.model_copy(update={"turn_threads": 3}))
    try:
        assert rt.turns._max_workers == 3
    finally:
        rt.close()


def test_finishing_waits_for_queued_turns_and_later_turns_still_run(settings) -> None:  # type: ignore[no-untyped-def]
    rt = build_runtime(settings.model_copy(update={"turn_threads": 1}))
    done: list[int] = []
    gate = threading.Event()
    try:
        rt.turns.submit(gate.wait, 5)
        queued = rt.turns.submit(lambda: done.append(1))
        threading.Timer(0.2, gate.set).start()
        started = time.monotonic()
        rt.finish_turns()  # server shutdown: what was accepted still runs
        assert queued.done() and done == [1] and time.monotonic() - started >= 0.15
        assert rt.turns.submit(lambda: 2).result(5) == 2  # new threads for a later turn
    finally:
        rt.close()
    assert rt._turns is None
