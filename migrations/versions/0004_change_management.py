"""change management

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blackout_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blackout_windows")),
        sa.UniqueConstraint("name", name=op.f("uq_blackout_windows_name")),
    )
    op.create_table(
        "change_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_change_templates_name")),
    )
    op.create_table(
        "cabs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=10), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["manager_id"], ["agents.id"], name=op.f("fk_cabs_manager_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cabs")),
        sa.UniqueConstraint("name", name=op.f("uq_cabs_name")),
    )
    op.create_table(
        "cab_members",
        sa.Column("cab_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_cab_members_agent_id_agents")),
        sa.ForeignKeyConstraint(["cab_id"], ["cabs.id"], name=op.f("fk_cab_members_cab_id_cabs")),
        sa.PrimaryKeyConstraint("cab_id", "agent_id", name=op.f("pk_cab_members")),
    )
    with op.batch_alter_table("cab_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cab_members_agent_id"), ["agent_id"], unique=False)

    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("change_type", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=14), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("raised_by", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("expected_return", sa.Text(), nullable=True),
        sa.Column("risks", sa.Text(), nullable=True),
        sa.Column("resources", sa.Text(), nullable=True),
        sa.Column("responsible", sa.Text(), nullable=True),
        sa.Column("no_relationship", sa.Boolean(), nullable=False),
        sa.Column("impact", sa.String(length=6), nullable=False),
        sa.Column("urgency", sa.String(length=6), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("business_risk", sa.String(length=6), nullable=False),
        sa.Column("financial", sa.String(length=6), nullable=False),
        sa.Column("scope", sa.String(length=6), nullable=False),
        sa.Column("approval_level", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=120), nullable=True),
        sa.Column("implementation_plan", sa.Text(), nullable=True),
        sa.Column("backout_plan", sa.Text(), nullable=True),
        sa.Column("test_plan", sa.Text(), nullable=True),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("implementer_id", sa.Integer(), nullable=True),
        sa.Column("cab_id", sa.Integer(), nullable=True),
        sa.Column("authorised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("review_outcome", sa.String(length=24), nullable=True),
        sa.Column("review_lessons", sa.Text(), nullable=True),
        sa.Column("benefits_realised", sa.Boolean(), nullable=True),
        sa.Column("within_cost", sa.Boolean(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cab_id"], ["cabs.id"], name=op.f("fk_changes_cab_id_cabs")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["agents.id"], name=op.f("fk_changes_created_by_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["agents.id"], name=op.f("fk_changes_decided_by_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["implementer_id"], ["agents.id"], name=op.f("fk_changes_implementer_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["agents.id"], name=op.f("fk_changes_reviewed_by_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
        sa.UniqueConstraint("ref", name=op.f("uq_changes_ref")),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_changes_actual_start"), ["actual_start"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_cab_id"), ["cab_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_implementer_id"), ["implementer_id"], unique=False)
        batch_op.create_index("ix_changes_state_start", ["state", "planned_start"], unique=False)

    op.create_table(
        "change_cis",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name=op.f("fk_change_cis_change_id_changes")),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["configuration_items.id"], name=op.f("fk_change_cis_ci_id_configuration_items")
        ),
        sa.PrimaryKeyConstraint("change_id", "ci_id", name=op.f("pk_change_cis")),
    )
    with op.batch_alter_table("change_cis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_cis_ci_id"), ["ci_id"], unique=False)

    op.create_table(
        "change_relations",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"], name=op.f("fk_change_relations_change_id_changes")
        ),
        sa.ForeignKeyConstraint(
            ["related_id"], ["changes.id"], name=op.f("fk_change_relations_related_id_changes")
        ),
        sa.PrimaryKeyConstraint("change_id", "related_id", name=op.f("pk_change_relations")),
    )
    with op.batch_alter_table("change_relations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_relations_related_id"), ["related_id"], unique=False)

    op.create_table(
        "change_services",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"], name=op.f("fk_change_services_change_id_changes")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_change_services_service_id_services")
        ),
        sa.PrimaryKeyConstraint("change_id", "service_id", name=op.f("pk_change_services")),
    )
    with op.batch_alter_table("change_services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_services_service_id"), ["service_id"], unique=False)

    op.create_table(
        "change_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"], name=op.f("fk_change_votes_change_id_changes")
        ),
        sa.ForeignKeyConstraint(["voter_id"], ["agents.id"], name=op.f("fk_change_votes_voter_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_votes")),
        sa.UniqueConstraint("change_id", "voter_id", name=op.f("uq_change_votes_change_id_voter_id")),
    )
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("hours", sa.String(length=11), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["ci_id"],
            ["configuration_items.id"],
            name=op.f("fk_maintenance_windows_ci_id_configuration_items"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_maintenance_windows_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_windows")),
    )
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_windows_ci_id"), ["ci_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_windows_service_id"), ["service_id"], unique=False)

    op.create_table(
        "change_incidents",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"], name=op.f("fk_change_incidents_change_id_changes")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_change_incidents_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("change_id", "ticket_id", name=op.f("pk_change_incidents")),
    )
    with op.batch_alter_table("change_incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_incidents_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_incidents_ticket_id"))
    op.drop_table("change_incidents")
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_windows_service_id"))
        batch_op.drop_index(batch_op.f("ix_maintenance_windows_ci_id"))
    op.drop_table("maintenance_windows")
    op.drop_table("change_votes")
    with op.batch_alter_table("change_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_services_service_id"))
    op.drop_table("change_services")
    with op.batch_alter_table("change_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_relations_related_id"))
    op.drop_table("change_relations")
    with op.batch_alter_table("change_cis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_cis_ci_id"))
    op.drop_table("change_cis")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_state_start")
        batch_op.drop_index(batch_op.f("ix_changes_implementer_id"))
        batch_op.drop_index(batch_op.f("ix_changes_created_at"))
        batch_op.drop_index(batch_op.f("ix_changes_closed_at"))
        batch_op.drop_index(batch_op.f("ix_changes_cab_id"))
        batch_op.drop_index(batch_op.f("ix_changes_actual_start"))
    op.drop_table("changes")
    with op.batch_alter_table("cab_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cab_members_agent_id"))
    op.drop_table("cab_members")
    op.drop_table("cabs")
    op.drop_table("blackout_windows")
    op.drop_table("change_templates")
