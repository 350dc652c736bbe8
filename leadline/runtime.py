"""The composition root: settings -> engine, encryption, migrations, agent."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from agent.agent import Agent
from leadline.settings import Settings
from storage import crypto, migrate
from storage.db import Engine, Session, make_engine, make_sessionmaker, sessionmaker, unit_of_work
from storage.models import Workspace
from storage.workspaces import create_workspace, first_workspace

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    agent: Agent
    _turns: ThreadPoolExecutor | None = field(default=None, repr=False)

    @property
    def turns(self) -> ThreadPoolExecutor:
        """The threads that run the agent turns answered within a request (widget, hosted page).
        With the rule-based extractor on SQLite a turn is all CPU plus one write transaction, and
        SQLite writes one transaction at a time while Python runs one thread at a time: one thread
        runs the turns in turn. More threads only queued on the write lock, and their switching
        cost a fifth more CPU per turn. PostgreSQL takes writers in parallel and its turns wait on
        the network (as a language model's would), so a few threads overlap those waits: on a
        local server 2 and 4 threads gave 134 and 129 turns/s, 1 and 8 gave 116; 4 leaves room
        for a database across the network."""
        if self._turns is None:
            cpu_bound = self.engine.dialect.name == "sqlite" and self.settings.extractor == "rules"
            n = self.settings.turn_threads or (1 if cpu_bound else 4)
            self._turns = ThreadPoolExecutor(n, thread_name_prefix="leadline-turn")
        return self._turns

    def finish_turns(self) -> None:
        """Let the turns under way and queued finish (server shutdown). A later turn starts new threads."""
        turns, self._turns = self._turns, None
        if turns is not None:
            turns.shutdown(wait=True)

    def close(self) -> None:
        self.finish_turns()
        self.engine.dispose()


def data_key(settings: Settings) -> bytes:
    if settings.data_key:
        return crypto.parse_key(settings.data_key)
    return crypto.load_or_create_key(settings.data_dir / "data.key")


def build_runtime(settings: Settings, *, migrate_db: bool = True) -> Runtime:
    crypto.configure(data_key(settings))
    engine = make_engine(settings.database_url)
    if migrate_db:
        migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    if settings.demo_workspace:
        ensure_demo_workspace(sessions)
    return Runtime(settings, engine, sessions, Agent(sessions))


def ensure_demo_workspace(sessions: sessionmaker[Session]) -> Workspace | None:
    """On an empty database, create a demo workspace so the widget and `chat` work at once."""
    with unit_of_work(sessions) as s:
        if first_workspace(s) is not None:
            return None
        ws = create_workspace(s, "Demo workspace", settings={"rubric": "bant"})
        log.info("created demo workspace %s", ws.id)
        return ws
