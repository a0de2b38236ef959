"""audit chain: a sha256 hash chain over the audit trail, back-filled; append-only on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL refuses UPDATE and DELETE on the trail, except the one update deskterm makes:
# setting a new row's hash (still NULL) in the transaction that wrote it, content unchanged.
_APPEND_ONLY = """
CREATE FUNCTION deskterm_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_hash IS NULL
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.record_kind, NEW.record_id, NEW.record_ref,
            NEW.field, NEW.old, NEW.new, NEW.version)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_id, OLD.record_kind, OLD.record_id, OLD.record_ref,
            OLD.field, OLD.old, OLD.new, OLD.version) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % of audit row % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
    from deskterm.store import audit_chain

    audit_chain.backfill(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
            "FOR EACH ROW EXECUTE FUNCTION deskterm_audit_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS deskterm_audit_append_only()")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("chain_hash")
