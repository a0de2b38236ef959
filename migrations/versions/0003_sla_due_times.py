"""sla due times: the soonest due instant on the ticket, each clock's phases, make-up workdays

The phases let every due time be recomputed after a calendar or target change without
replaying history; ``tickets.sla_due_at`` makes sorting and "due within N hours" an index read.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sla_calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workdays", sa.JSON(), nullable=True))
    with op.batch_alter_table("ticket_clocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phases", sa.JSON(), nullable=True))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_sla_due_at"), ["sla_due_at"], unique=False)
    # Existing clocks have no phases yet: the next write of each ticket, or `deskterm sla apply`,
    # fills them; until then the soonest due instant is copied from the stored clocks.
    op.execute(
        "UPDATE tickets SET sla_due_at = (SELECT min(c.due_at) FROM ticket_clocks c "
        "WHERE c.ticket_id = tickets.id AND c.running AND c.due_at IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_sla_due_at"))
        batch_op.drop_column("sla_due_at")
    with op.batch_alter_table("ticket_clocks", schema=None) as batch_op:
        batch_op.drop_column("phases")
    with op.batch_alter_table("sla_calendars", schema=None) as batch_op:
        batch_op.drop_column("workdays")
