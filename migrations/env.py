"""Alembic environment: used by deskterm's migration runner and by ``alembic`` for authors.

Batch mode lets SQLite alter tables; compare_type catches column type drift.
"""

import os

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from deskterm.store import models  # noqa: F401  (registers every table)
from deskterm.store.base import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=os.environ.get("DESKTERM_DB") or config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        context.run_migrations()
        return
    section = config.get_section(config.config_ini_section, {})
    if os.environ.get("DESKTERM_DB"):
        section["sqlalchemy.url"] = os.environ["DESKTERM_DB"]
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
