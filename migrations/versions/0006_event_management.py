"""event management

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("active_key", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=120), nullable=False),
        sa.Column("check", sa.String(length=120), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("significance", sa.String(length=13), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("opened_ticket", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["configuration_items.id"], name=op.f("fk_events_ci_id_configuration_items")
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_events_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("active_key", name=op.f("uq_events_active_key")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_ci_id"), ["ci_id"], unique=False)
        batch_op.create_index("ix_events_last_seen", ["last_seen", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "event_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=13), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=True),
        sa.Column("check", sa.String(length=120), nullable=True),
        sa.Column("node", sa.String(length=120), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("severities", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_event_rules_name")),
    )
    op.create_table(
        "event_settings",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_event_settings")),
    )


def downgrade() -> None:
    op.drop_table("event_settings")
    op.drop_table("event_rules")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_ticket_id"))
        batch_op.drop_index("ix_events_last_seen")
        batch_op.drop_index(batch_op.f("ix_events_ci_id"))
    op.drop_table("events")
