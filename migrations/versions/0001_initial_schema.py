"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("cost_per_hour", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("os_uid", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("login", name=op.f("uq_agents_login")),
        sa.UniqueConstraint("os_uid", name=op.f("uq_agents_os_uid")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("organisation", sa.String(length=120), nullable=True),
        sa.Column("vip", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_name"), ["name"], unique=False)

    op.create_table(
        "ref_counters",
        sa.Column("name", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ref_counters")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_ref", sa.String(length=24), nullable=True),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["agents.id"], name=op.f("fk_audit_entries_actor_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_entries_record", ["record_kind", "record_id", "id"], unique=False)

    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("tier", sa.String(length=1), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["agents.id"], name=op.f("fk_groups_lead_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_groups_name")),
    )
    op.create_table(
        "configuration_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("ci_type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_group_id"], ["groups.id"], name=op.f("fk_configuration_items_owner_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_configuration_items")),
        sa.UniqueConstraint("name", name=op.f("uq_configuration_items_name")),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_group_members_agent_id_agents")),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_group_members_group_id_groups")),
        sa.PrimaryKeyConstraint("group_id", "agent_id", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_agent_id"), ["agent_id"], unique=False)

    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("business_description", sa.Text(), nullable=True),
        sa.Column("technical_description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("support_group_id", sa.Integer(), nullable=True),
        sa.Column("lifecycle_status", sa.String(length=20), nullable=False),
        sa.Column("criticality", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["agents.id"], name=op.f("fk_services_owner_id_agents")),
        sa.ForeignKeyConstraint(
            ["support_group_id"], ["groups.id"], name=op.f("fk_services_support_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("name", name=op.f("uq_services_name")),
    )
    op.create_table(
        "ci_relationships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("source_id <> target_id", name=op.f("ck_ci_relationships_not_self")),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["configuration_items.id"],
            name=op.f("fk_ci_relationships_source_id_configuration_items"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["configuration_items.id"],
            name=op.f("fk_ci_relationships_target_id_configuration_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_relationships")),
        sa.UniqueConstraint(
            "source_id",
            "relation",
            "target_id",
            name=op.f("uq_ci_relationships_source_id_relation_target_id"),
        ),
    )
    with op.batch_alter_table("ci_relationships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_relationships_target_id"), ["target_id"], unique=False)

    op.create_table(
        "service_cis",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("ci_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["configuration_items.id"], name=op.f("fk_service_cis_ci_id_configuration_items")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_cis_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", "ci_id", name=op.f("pk_service_cis")),
    )
    with op.batch_alter_table("service_cis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_cis_ci_id"), ["ci_id"], unique=False)

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("caller_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("ci_id", sa.Integer(), nullable=True),
        sa.Column("impact", sa.String(length=6), nullable=False),
        sa.Column("urgency", sa.String(length=6), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pending_reason", sa.String(length=20), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("tier", sa.String(length=1), nullable=False),
        sa.Column("major", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("workaround", sa.Text(), nullable=True),
        sa.Column("resolution_code", sa.String(length=20), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["agents.id"], name=op.f("fk_tickets_assignee_id_agents")),
        sa.ForeignKeyConstraint(["caller_id"], ["contacts.id"], name=op.f("fk_tickets_caller_id_contacts")),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["configuration_items.id"], name=op.f("fk_tickets_ci_id_configuration_items")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["agents.id"], name=op.f("fk_tickets_created_by_id_agents")
        ),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_tickets_group_id_groups")),
        sa.ForeignKeyConstraint(["parent_id"], ["tickets.id"], name=op.f("fk_tickets_parent_id_tickets")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_tickets_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("kind", "number", name=op.f("uq_tickets_kind_number")),
        sa.UniqueConstraint("ref", name=op.f("uq_tickets_ref")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_assignee_status", ["assignee_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_caller_id"), ["caller_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_ci_id"), ["ci_id"], unique=False)
        batch_op.create_index("ix_tickets_group_status", ["group_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_tickets_queue", ["status", "priority", "opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_resolved_at"), ["resolved_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["agents.id"], name=op.f("fk_notes_author_id_agents")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_notes_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index("ix_notes_ticket", ["ticket_id", "id"], unique=False)
    counters = sa.table("ref_counters", sa.column("name", sa.String), sa.column("value", sa.Integer))
    op.bulk_insert(counters, [{"name": p, "value": 0} for p in ("INC", "REQ", "PRB", "KE", "CHG", "EVT")])


def downgrade() -> None:
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index("ix_notes_ticket")

    op.drop_table("notes")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_service_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_resolved_at"))
        batch_op.drop_index("ix_tickets_queue")
        batch_op.drop_index(batch_op.f("ix_tickets_parent_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_opened_at"))
        batch_op.drop_index("ix_tickets_group_status")
        batch_op.drop_index(batch_op.f("ix_tickets_ci_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_caller_id"))
        batch_op.drop_index("ix_tickets_assignee_status")

    op.drop_table("tickets")
    with op.batch_alter_table("service_cis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_cis_ci_id"))

    op.drop_table("service_cis")
    with op.batch_alter_table("ci_relationships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_relationships_target_id"))

    op.drop_table("ci_relationships")
    op.drop_table("services")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_agent_id"))

    op.drop_table("group_members")
    op.drop_table("configuration_items")
    op.drop_table("groups")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_record")
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))

    op.drop_table("audit_entries")
    op.drop_table("ref_counters")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_name"))
        batch_op.drop_index(batch_op.f("ix_contacts_email"))

    op.drop_table("contacts")
    op.drop_table("agents")
