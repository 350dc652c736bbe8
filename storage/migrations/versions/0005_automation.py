"""Automation: scheduled job runs, once-only lead marks, hot-lead flags, integrations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _ws() -> sa.Column:
    return sa.Column("workspace_id", sa.String(length=40), nullable=False)


def _ws_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        _ws(),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        _ws_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "period", "workspace_id", name="uq_job_run"),
    )
    op.create_index("ix_job_runs_workspace_id", "job_runs", ["workspace_id"])
    op.create_table(
        "lead_marks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        _ws(),
        sa.Column("lead_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _ws_fk(),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id", "kind", "key", name="uq_lead_mark"),
    )
    op.create_index("ix_lead_marks_workspace_id", "lead_marks", ["workspace_id"])
    op.create_index("ix_lead_marks_lead_id", "lead_marks", ["lead_id"])
    op.create_table(
        "hot_leads",
        sa.Column("lead_id", sa.String(length=40), nullable=False),
        _ws(),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("crm_flag", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        _ws_fk(),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    op.create_index("ix_hot_leads_workspace_id", "hot_leads", ["workspace_id"])
    op.create_table(
        "integrations",
        sa.Column("id", sa.String(length=40), nullable=False),
        _ws(),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _ws_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "kind", name="uq_integration_kind"),
    )
    op.create_index("ix_integrations_workspace_id", "integrations", ["workspace_id"])


def downgrade() -> None:
    for table in ("integrations", "hot_leads", "lead_marks", "job_runs"):
        op.drop_table(table)
