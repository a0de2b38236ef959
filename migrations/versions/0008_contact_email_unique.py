"""contact e-mail unique, case-insensitive

A caller's e-mail names one caller: ``contacts.email_key`` holds the address trimmed and in
lower case, under a unique index (on SQLite and PostgreSQL alike). Existing desks are filled
in: where several callers already share an address, the oldest keeps it as its key and the
others keep their e-mail but no key (``deskterm contact list`` shows them to merge by hand).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_key", sa.String(length=254), nullable=True))
    op.execute(
        "UPDATE contacts SET email_key = lower(trim(email)) "
        "WHERE email IS NOT NULL AND trim(email) <> '' AND id = ("
        "SELECT min(c2.id) FROM contacts c2 WHERE lower(trim(c2.email)) = lower(trim(contacts.email)))"
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_email_key"), ["email_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_email_key"))
        batch_op.drop_column("email_key")
