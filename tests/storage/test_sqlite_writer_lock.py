"""SQLite writers queue on one lock per database file, across threads and processes."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
from pathlib import Path

from sqlalchemy import text

from storage.db import make_engine


def _lock_is_free(lock_file: Path) -> bool:
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also releases it
    return True


def test_a_write_transaction_holds_the_file_lock_until_it_ends(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/l.db")
    lock_file = tmp_path / "l.db.writer-lock"
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (n INTEGER)"))
    for end in ("commit", "rollback"):
        with engine.connect() as c:
            c.execute(text("SELECT count(*) FROM t"))  # reads do not take it
            assert _lock_is_free(lock_file)
            c.execute(text("INSERT INTO t VALUES (1)"))
            assert not _lock_is_free(lock_file)  # another process would wait here, not in SQLite's busy loop
            getattr(c, end)()
            assert _lock_is_free(lock_file)
    with engine.connect() as c:
        c.execute(text("INSERT INTO t VALUES (2)"))
    assert _lock_is_free(lock_file)  # a connection closed mid-transaction gives it back
    engine.dispose()


def _count_up(url: str, times: int) -> None:
    engine = make_engine(url)
    for _ in range(times):
        with engine.begin() as c:
            n = c.execute(text("UPDATE counter SET n = n + 1 RETURNING n")).scalar_one()
            c.execute(text("INSERT INTO seen VALUES (:n)"), {"n": n})
    engine.dispose()


def test_processes_writing_one_file_lose_nothing(tmp_path: Path) -> None:
    processes = 3
    url = f"sqlite:///{tmp_path}/p.db"
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE counter (n INTEGER)"))
        c.execute(text("CREATE TABLE seen (n INTEGER UNIQUE)"))
        c.execute(text("INSERT INTO counter VALUES (0)"))
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_count_up, args=(url, 150)) for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    with engine.connect() as c:
        assert c.execute(text("SELECT n FROM counter")).scalar_one() == 150 * processes
        assert c.execute(text("SELECT count(*) FROM seen")).scalar_one() == 150 * processes
    engine.dispose()
