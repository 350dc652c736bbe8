"""The composition root: settings -> engine, encryption, migrations, agent."""

from __future__ import annotations

import logging
from dataclasses import dataclass

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

    def close(self) -> None:
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
