"""Fixtures for the channel tests: a workspace builder and the real app served by uvicorn on a
free 127.0.0.1 port (Server-Sent Events need a real server, not an in-process test client)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from storage.db import unit_of_work
from storage.models import Workspace
from storage.workspaces import create_workspace


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    url: str
    app: Any
    runtime: Any


@pytest.fixture
def make_workspace(runtime) -> Callable[..., Workspace]:  # type: ignore[no-untyped-def]
    def make(name: str = "Acme Analytics", *, active: bool = True, **settings: Any) -> Workspace:
        with unit_of_work(runtime.sessions) as s:
            ws = create_workspace(s, name, settings={"rubric": "bant", **settings})
            ws.active = active
            return ws

    return make


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def serve() -> Callable[[Any], Any]:
    """`with serve(app) as url:` runs an app on a free port for the block."""
    return serving


@pytest.fixture
def live(runtime) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    from channels.widget import widget_state
    from leadline.app import create_app

    app = create_app(runtime.settings, runtime)
    with serving(app) as url:
        state = widget_state(app)
        state.heartbeat_seconds, state.stream_max_seconds = 0.3, 30.0
        yield Live(url, app, runtime)
