"""problem management

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("impact", sa.String(length=6), nullable=False),
        sa.Column("urgency", sa.String(length=6), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("ci_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("workaround", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("fixing_change_ref", sa.String(length=24), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["agents.id"], name=op.f("fk_problems_assignee_id_agents")),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["configuration_items.id"], name=op.f("fk_problems_ci_id_configuration_items")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["agents.id"], name=op.f("fk_problems_created_by_id_agents")
        ),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_problems_group_id_groups")),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_problems_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problems")),
        sa.UniqueConstraint("number", name=op.f("uq_problems_number")),
        sa.UniqueConstraint("ref", name=op.f("uq_problems_ref")),
    )
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problems_ci_id"), ["ci_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problems_service_id"), ["service_id"], unique=False)
        batch_op.create_index("ix_problems_status_priority", ["status", "priority"], unique=False)

    op.create_table(
        "problem_incidents",
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["linked_by_id"], ["agents.id"], name=op.f("fk_problem_incidents_linked_by_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problems.id"], name=op.f("fk_problem_incidents_problem_id_problems")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_problem_incidents_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("problem_id", "ticket_id", name=op.f("pk_problem_incidents")),
    )
    with op.batch_alter_table("problem_incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_incidents_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "known_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("symptom", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("workaround", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["agents.id"], name=op.f("fk_known_errors_created_by_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problems.id"], name=op.f("fk_known_errors_problem_id_problems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_errors")),
        sa.UniqueConstraint("number", name=op.f("uq_known_errors_number")),
        sa.UniqueConstraint("ref", name=op.f("uq_known_errors_ref")),
    )
    with op.batch_alter_table("known_errors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_errors_problem_id"), ["problem_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_known_errors_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "known_error_services",
        sa.Column("known_error_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["known_error_id"],
            ["known_errors.id"],
            name=op.f("fk_known_error_services_known_error_id_known_errors"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_known_error_services_service_id_services")
        ),
        sa.PrimaryKeyConstraint("known_error_id", "service_id", name=op.f("pk_known_error_services")),
    )
    with op.batch_alter_table("known_error_services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_error_services_service_id"), ["service_id"], unique=False)

    op.create_table(
        "known_error_cis",
        sa.Column("known_error_id", sa.Integer(), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["configuration_items.id"], name=op.f("fk_known_error_cis_ci_id_configuration_items")
        ),
        sa.ForeignKeyConstraint(
            ["known_error_id"],
            ["known_errors.id"],
            name=op.f("fk_known_error_cis_known_error_id_known_errors"),
        ),
        sa.PrimaryKeyConstraint("known_error_id", "ci_id", name=op.f("pk_known_error_cis")),
    )
    with op.batch_alter_table("known_error_cis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_error_cis_ci_id"), ["ci_id"], unique=False)

    op.create_table(
        "known_error_incidents",
        sa.Column("known_error_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applied_by_id"], ["agents.id"], name=op.f("fk_known_error_incidents_applied_by_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["known_error_id"],
            ["known_errors.id"],
            name=op.f("fk_known_error_incidents_known_error_id_known_errors"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_known_error_incidents_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("known_error_id", "ticket_id", name=op.f("pk_known_error_incidents")),
    )
    with op.batch_alter_table("known_error_incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_error_incidents_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("known_error_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_error_incidents_ticket_id"))

    op.drop_table("known_error_incidents")
    with op.batch_alter_table("known_error_cis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_error_cis_ci_id"))

    op.drop_table("known_error_cis")
    with op.batch_alter_table("known_error_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_error_services_service_id"))

    op.drop_table("known_error_services")
    with op.batch_alter_table("known_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_errors_updated_at"))
        batch_op.drop_index(batch_op.f("ix_known_errors_problem_id"))

    op.drop_table("known_errors")
    with op.batch_alter_table("problem_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_problem_incidents_ticket_id"))

    op.drop_table("problem_incidents")
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.drop_index("ix_problems_status_priority")
        batch_op.drop_index(batch_op.f("ix_problems_service_id"))
        batch_op.drop_index(batch_op.f("ix_problems_ci_id"))

    op.drop_table("problems")
