"""Storage for the REST API: the migrations match the models and downgrade, keyset pages use the live-lead
indexes, API keys are stored hashed."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from storage import migrate
from storage.api_keys import create_api_key, effective_scopes, key_by_plaintext
from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.lead_queries import LeadFilter, list_leads
from storage.models import ApiKey, Base
from storage.workspaces import create_workspace


def test_models_match_the_migrations_and_later_revisions_downgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    cfg = migrate.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert migrate.current_revision(engine) == "0001"
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_api_keys_are_hashed_and_scoped(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Acme")
        key, secret = create_api_key(s, ws.id, name="k", scopes=["write"])
        assert secret.startswith("ak_") and len(secret) > 40
    with sessions() as s:
        stored = s.scalars(select(ApiKey)).one()
        assert secret not in (stored.key_hash, stored.prefix) and stored.prefix == secret[:11]
        assert key_by_plaintext(s, secret).id == key.id and key_by_plaintext(s, secret + "x") is None
    assert effective_scopes(["write"]) == {"read", "write"}
    assert effective_scopes(["admin"]) == {"read", "write", "admin"}
    engine.dispose()


def test_keyset_pages_walk_the_live_lead_index(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Acme")
        list_leads(s, ws.id, LeadFilter(), before_id=None, limit=1)
        if engine.dialect.name != "sqlite":
            return  # PostgreSQL's planner picks by statistics; the SQLite plan is deterministic
        plans = {}
        for name, where in (("all", ""), ("stage", "AND stage_id = 'stg_x' AND score >= 60")):
            rows = s.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM leads WHERE workspace_id = :ws AND deleted_at IS NULL "
                f"AND id < 'lead_z' {where} ORDER BY id DESC LIMIT 51"), {"ws": ws.id}).all()
            plans[name] = " ".join(str(r[-1]) for r in rows)
        assert "ix_leads_live_ws_id" in plans["all"] and "TEMP B-TREE" not in plans["all"]
        assert "ix_leads_live_ws_stage_id" in plans["stage"] and "TEMP B-TREE" not in plans["stage"]
    engine.dispose()
