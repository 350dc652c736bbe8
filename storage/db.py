"""Engines, sessions and the unit of work. SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # Windows: processes sharing a file fall back to SQLite's own busy handler
    fcntl = None  # type: ignore[assignment]

# Re-exported so layers above storage name these types without importing SQLAlchemy (DESIGN).
__all__ = ["Engine", "IntegrityError", "Session", "make_engine", "make_sessionmaker", "ping", "sessionmaker",
           "unit_of_work"]


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        _serialise_writers(engine, _writer_lock_file(path))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_HOLDS_WRITE_LOCK = "leadline_holds_write_lock"


def _writer_lock_file(path: str) -> Path | None:
    """Where processes sharing an SQLite file queue for its write lock (none for in-memory databases)."""
    if fcntl is None or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path).with_name(Path(path).name + ".writer-lock")


class _WriterLock:
    """One writer at a time: threads of this process queue on a lock, and processes sharing the file
    (`leadline serve --workers N`, `leadline worker`) on an flock of a lock file, which the kernel
    hands to the next waiter at once, and releases if its holder dies."""

    def __init__(self, lock_file: Path | None) -> None:
        self._threads = threading.Lock()
        self._file = lock_file
        self._fd: int | None = None

    def acquire(self, timeout: float) -> bool:
        if not self._threads.acquire(timeout=timeout):
            return False
        if self._file is not None:
            try:
                # Opened per transaction (microseconds), so no descriptor outlives an engine. Blocking:
                # the holder is another process inside one short write transaction.
                self._fd = os.open(self._file, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._close()
                self._threads.release()
                raise
        return True

    def release(self) -> None:
        try:
            self._close()  # closing the descriptor releases the flock
        finally:
            self._threads.release()

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _serialise_writers(engine: Engine, lock_file: Path | None, wait_seconds: float = 30.0) -> None:
    """SQLite has one writer at a time. Left to itself, a second writer waits in SQLite's busy
    handler, which sleeps in steps of up to 100 ms; under concurrent requests that sleeping, not the
    work, sets the pace. So writers of this engine queue on a `_WriterLock` instead, taken when a
    transaction's first write starts (where SQLite would take its write lock) and released when it
    ends; reads still run concurrently (WAL)."""
    lock = _WriterLock(lock_file)

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if conn.info.get(_HOLDS_WRITE_LOCK) or not _WRITE.match(statement):
            return
        if not lock.acquire(timeout=wait_seconds):
            raise TimeoutError(f"waited {wait_seconds:.0f} s for the database's write lock")
        conn.info[_HOLDS_WRITE_LOCK] = True

    def _give(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS_WRITE_LOCK, False):
            lock.release()

    def _end(conn: Any, how: str) -> None:
        # These events come just before SQLAlchemy's own COMMIT/ROLLBACK; end SQLite's transaction here so
        # the next writer never meets SQLite's lock (the DBAPI call that follows is then a no-op).
        if conn.info.get(_HOLDS_WRITE_LOCK):
            try:
                getattr(conn.connection.dbapi_connection, how)()
            finally:
                _give(conn.info)

    event.listen(engine, "commit", lambda conn: _end(conn, "commit"))
    event.listen(engine, "rollback", lambda conn: _end(conn, "rollback"))
    # A connection returned to the pool (or dropped) mid-transaction is rolled back without the events above.
    @event.listens_for(engine, "reset")
    def _on_reset(_dbapi: Any, record: Any, _state: Any) -> None:
        _give(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi: Any, record: Any, _exc: Any) -> None:
        _give(record.info)

    @event.listens_for(engine, "close")
    def _on_close(_dbapi: Any, record: Any) -> None:
        _give(record.info)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error. Request handlers,
    the worker and the agent's turn open one of these; query functions never commit."""
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query (health checks)."""
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
