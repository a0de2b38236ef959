"""Use cases on the database itself: which schema version it has, upgrade and downgrade."""

from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from deskterm.config import Settings
from deskterm.services.core.context import _unavailable, safe_url
from deskterm.services.core.errors import DatabaseUnavailable, InvalidInput
from deskterm.store import migrate
from deskterm.store.engine import BadDatabaseURL, create_desk_engine


class SchemaStatus(BaseModel):
    database: str
    current: str | None
    head: str
    up_to_date: bool


def _run(settings: Settings, action: str, revision: str | None = None) -> SchemaStatus:
    try:
        engine = create_desk_engine(settings.db)
    except BadDatabaseURL as exc:
        raise InvalidInput(str(exc)) from None
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


def current(settings: Settings) -> SchemaStatus:
    return _run(settings, "current")
