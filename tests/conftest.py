"""Shared fixtures: a fresh, migrated database per test (SQLite file, or a PostgreSQL database
copied from a migrated template when LEADLINE_TEST_POSTGRES_URL is set), and a runtime on it."""

from __future__ import annotations

import base64
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage import crypto

# Fake providers (tests/fakes/) are imported as `fakes.…` from any test directory.
sys.path.append(str(Path(__file__).parent))

TEST_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
PG_ADMIN_URL = os.environ.get("LEADLINE_TEST_POSTGRES_URL")  # e.g. postgresql://u@127.0.0.1:5433/postgres


def _pg(url: str, db: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{db}"


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from storage import migrate
    from storage.db import make_engine

    crypto.configure(base64.urlsafe_b64decode(TEST_KEY))
    if PG_ADMIN_URL:
        name = f"leadline_tpl_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(_pg(PG_ADMIN_URL, name))
        migrate.upgrade(engine)
        engine.dispose()
        yield name
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        yield str(path)


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the schema at head, private to this test."""
    crypto.configure(base64.urlsafe_b64decode(TEST_KEY))
    if PG_ADMIN_URL:
        name = f"leadline_t_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template_db}"'))
        yield _pg(PG_ADMIN_URL, name)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "leadline.db"
        shutil.copyfile(_template_db, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    from leadline.settings import Settings

    return Settings(database_url=database_url, data_key=TEST_KEY, data_dir=tmp_path / "data",
                    demo_workspace=False, _env_file=None)


@pytest.fixture
def runtime(settings):  # type: ignore[no-untyped-def]
    from leadline.runtime import build_runtime

    rt = build_runtime(settings)
    yield rt
    rt.close()
