"""Channel configurations: WhatsApp numbers, inbound e-mail addresses, Slack teams

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_configs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "address", name="uq_channel_address"),
    )
    op.create_index("ix_channel_configs_workspace_id", "channel_configs", ["workspace_id"])
    # Delivery statuses reported by the provider for outbound messages (WhatsApp status callbacks).
    op.add_column("messages", sa.Column("delivery_status", sa.String(length=20), nullable=True))
    op.add_column("messages", sa.Column("delivery_status_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("messages", sa.Column("delivery_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:  # SQLite rebuilds the table to drop columns
        for column in ("delivery_error", "delivery_status_at", "delivery_status"):
            batch.drop_column(column)
    op.drop_index("ix_channel_configs_workspace_id", table_name="channel_configs")
    op.drop_table("channel_configs")
