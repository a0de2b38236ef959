"""service level management

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_calendars")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_calendars_name")),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("warn_at", sa.Float(), nullable=False),
        sa.Column("pause_on", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("supplier", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["sla_calendars.id"], name=op.f("fk_agreements_calendar_id_sla_calendars")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("name", name=op.f("uq_agreements_name")),
    )
    op.create_table(
        "agreement_groups",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_agreement_groups_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_agreement_groups_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "group_id", name=op.f("pk_agreement_groups")),
    )
    with op.batch_alter_table("agreement_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreement_groups_group_id"), ["group_id"], unique=False)

    op.create_table(
        "escalation_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=2), nullable=True),
        sa.Column("metric", sa.String(length=12), nullable=True),
        sa.Column("at", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("notify", sa.String(length=16), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_escalation_rules_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_escalation_rules_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_rules")),
    )
    op.create_table(
        "agreement_services",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_agreement_services_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_agreement_services_service_id_services")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "service_id", name=op.f("pk_agreement_services")),
    )
    with op.batch_alter_table("agreement_services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreement_services_service_id"), ["service_id"], unique=False)

    op.create_table(
        "escalation_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=12), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_escalation_firings_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["escalation_rules.id"], name=op.f("fk_escalation_firings_rule_id_escalation_rules")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_escalation_firings_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_firings")),
        sa.UniqueConstraint(
            "rule_id",
            "ticket_id",
            "agreement_id",
            "metric",
            name=op.f("uq_escalation_firings_rule_id_ticket_id_agreement_id_metric"),
        ),
    )
    with op.batch_alter_table("escalation_firings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_firings_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sip_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_sip_items_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["agents.id"], name=op.f("fk_sip_items_owner_id_agents")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_sip_items_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sip_items")),
    )
    op.create_table(
        "ticket_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=12), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("target_seconds", sa.Integer(), nullable=False),
        sa.Column("elapsed_seconds", sa.Float(), nullable=False),
        sa.Column("paused_seconds", sa.Float(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_ticket_clocks_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_clocks_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_clocks")),
        sa.UniqueConstraint(
            "ticket_id", "agreement_id", "metric", name=op.f("uq_ticket_clocks_ticket_id_agreement_id_metric")
        ),
    )
    with op.batch_alter_table("ticket_clocks", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_clocks_running_due", ["running", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_clocks_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_clocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_clocks_ticket_id"))
        batch_op.drop_index("ix_ticket_clocks_running_due")

    op.drop_table("ticket_clocks")
    op.drop_table("sip_items")
    with op.batch_alter_table("escalation_firings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_firings_ticket_id"))

    op.drop_table("escalation_firings")
    with op.batch_alter_table("agreement_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_services_service_id"))

    op.drop_table("agreement_services")
    op.drop_table("escalation_rules")
    with op.batch_alter_table("agreement_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_groups_group_id"))

    op.drop_table("agreement_groups")
    op.drop_table("agreements")
    op.drop_table("sla_calendars")
