"""What every CLI command shares: parsed settings, a lazily opened desk, the output format."""

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from deskterm.config import Settings, load_settings
from deskterm.services.core.context import Desk, Handover
from deskterm.services.core.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)


@dataclass
class CliApp:
    args: argparse.Namespace
    _settings: Settings | None = field(default=None, init=False)
    _desk: Desk | None = field(default=None, init=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings({"db": self.args.db})
        return self._settings

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            # a session of deskterm serve ssh acts as the agent the server authenticated
            self._desk = Desk.open(
                self.settings,
                handover=Handover.take(),
                # ``--read-only`` (sla wall, the wallboard served to a browser): a viewer's desk
                read_only=bool(getattr(self.args, "read_only", False)),
            )
        return self._desk

    @property
    def desk_as_found(self) -> Desk:
        """The desk with its schema left as it is: db backup, restore and check and the audit
        commands work on the database as found (a backup before an upgrade, a restore into an
        empty database, an auditor's check that changes nothing)."""
        if self._desk is None:
            self._desk = Desk.open(self.settings, migrate_schema=False)
        return self._desk

    @property
    def fmt(self) -> str:
        return getattr(self.args, "format", "table") or "table"

    def close(self) -> None:
        if self._desk is not None:
            self._desk.close()


Handler = Callable[[CliApp], int]


def enum_value(kind: type[E], value: str | None, what: str) -> E | None:
    """A typed value or a clear exit-4 sentence listing what is accepted."""
    if value is None:
        return None
    text = value.strip()
    for candidate in (text, text.lower(), text.upper()):
        if candidate in kind._value2member_map_:
            return kind(candidate)
    accepted = ", ".join(m.value for m in kind)
    raise InvalidInput(f"{what} {value!r} is not known; use one of {accepted}")


def enum_list(kind: type[E], values: Sequence[str] | None, what: str) -> list[E]:
    out: list[E] = []
    for raw in values or []:
        for part in raw.split(","):
            if part.strip():
                found = enum_value(kind, part, what)
                assert found is not None
                out.append(found)
    return out


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="how to print records (default: table)",
    )


def handler(parser: argparse.ArgumentParser, fn: Handler, **extra: Any) -> None:
    parser.set_defaults(handler=fn, **extra)


def add_apply_options(parser: argparse.ArgumentParser) -> None:
    """``--dry-run`` and ``--prune`` for every ``apply`` of definitions as code."""
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be added, changed and removed, and change nothing",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="remove the entries the file no longer has (without it, such an apply is refused)",
    )


DIFF_COLUMNS = ("dry_run", "added", "changed", "removed")
