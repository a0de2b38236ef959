"""Use cases on the database itself: which schema version it has, upgrade and downgrade."""

from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from deskterm.config import Settings
from deskterm.services.core.context import _unavailable, open_engine, safe_url
from deskterm.services.core.errors import DatabaseUnavailable, InvalidInput
from deskterm.store import migrate


class SchemaStatus(BaseModel):
    database: str
    current: str | None
    head: str
    up_to_date: bool


def _run(settings: Settings, action: str, revision: str | None = None) -> SchemaStatus:
    engine = open_engine(settings)
    try:
        if action == "upgrade":
            migrate.upgrade(engine, revision or "head")
        elif action == "downgrade":
            assert revision is not None
            migrate.downgrade(engine, revision)
        current = migrate.current(engine)
    except migrate.SchemaError as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except DBAPIError as exc:
        raise _unavailable(exc, settings.db) from None
    except Exception as exc:  # alembic's CommandError for an unknown revision
        if type(exc).__name__ == "CommandError":
            raise InvalidInput(
                f"{exc}; deskterm db current shows the revisions, 'base' empties the database"
            ) from None
        raise
    finally:
        engine.dispose()
    head = migrate.head_revision()
    return SchemaStatus(
        database=safe_url(settings.db), current=current, head=head, up_to_date=current == head
    )


def upgrade(settings: Settings, revision: str = "head") -> SchemaStatus:
    return _run(settings, "upgrade", revision)


def downgrade(settings: Settings, revision: str) -> SchemaStatus:
    return _run(settings, "downgrade", revision)


class DowngradePlan(BaseModel):
    """What ``db downgrade REV`` drops: each table and the rows it holds now."""

    database: str
    revision: str
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def sentence(self) -> str:
        if not self.tables:
            return f"downgrading {self.database} to {self.revision} drops no table"
        shown = ", ".join(f"{name} ({rows} rows)" for name, rows in self.tables.items() if rows)
        empty = sum(1 for rows in self.tables.values() if not rows)
        parts = [shown] if shown else []
        if empty:
            parts.append(f"{empty} empty table(s)")
        return (
            f"downgrading {self.database} to {self.revision} drops {len(self.tables)} tables "
            f"holding {self.rows} rows: {'; '.join(parts)}"
        )


def downgrade_plan(settings: Settings, revision: str) -> DowngradePlan:
    """What a downgrade would drop, asked before it runs (nothing is changed)."""
    engine = open_engine(settings)
    try:
        tables = migrate.downgrade_drops(engine, revision)
    except DBAPIError as exc:
        raise _unavailable(exc, settings.db) from None
    except Exception as exc:  # alembic's errors for an unknown revision
        if type(exc).__module__.startswith("alembic"):
            raise InvalidInput(
                f"{revision!r} is not a revision of this desk ({exc}); deskterm db current shows "
                "the revisions, 'base' empties the database"
            ) from None
        raise
    finally:
        engine.dispose()
    return DowngradePlan(database=safe_url(settings.db), revision=revision, tables=tables)


def current(settings: Settings) -> SchemaStatus:
    return _run(settings, "current")
