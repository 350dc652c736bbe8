"""Request-scoped dependencies: the runtime, one database session per request, the clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from leadline.runtime import Runtime
from storage.db import unit_of_work
from storage.sessions import Session


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _session(request: Request) -> Iterator[Session]:
    # The one place (with the worker) that commits (DESIGN rule 1). scope="function" commits when the
    # handler returns, before the response is sent, so a failed commit is answered as an error
    # instead of a success the database never kept; an exception in the handler rolls back.
    with unit_of_work(get_runtime(request).sessions) as session:
        yield session


DB = Annotated[Session, Depends(_session, scope="function")]


def utcnow() -> datetime:
    return datetime.now(UTC)
