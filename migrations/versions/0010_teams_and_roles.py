"""teams and roles: agent roles, agent accounts, desk settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

An existing desk keeps working as a personal desk: its first enrolled OS account (the lowest
agent id with a uid) becomes its owner, holding the owner's roles.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNER_ROLES = ("admin", "agent", "desk-manager", "change-manager", "problem-manager")


def upgrade() -> None:
    op.create_table(
        "agent_roles",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_agent_roles_agent_id_agents")),
        sa.PrimaryKeyConstraint("agent_id", "role", name=op.f("pk_agent_roles")),
    )
    op.create_table(
        "agent_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=800), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_agent_accounts_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_accounts")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_agent_accounts_kind_name")),
    )
    op.create_index(op.f("ix_agent_accounts_agent_id"), "agent_accounts", ["agent_id"], unique=False)
    op.create_table(
        "desk_settings",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_desk_settings")),
    )
    bind = op.get_bind()
    owner = bind.execute(sa.text("SELECT min(id) FROM agents WHERE os_uid IS NOT NULL")).scalar()
    if owner is not None:
        for role in OWNER_ROLES:
            bind.execute(
                sa.text("INSERT INTO agent_roles (agent_id, role) VALUES (:a, :r)"),
                {"a": owner, "r": role},
            )


def downgrade() -> None:
    op.drop_table("desk_settings")
    op.drop_index(op.f("ix_agent_accounts_agent_id"), table_name="agent_accounts")
    op.drop_table("agent_accounts")
    op.drop_table("agent_roles")
