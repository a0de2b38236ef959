"""Errors a user can act on. Each message is one sentence that says what to do next.

The exit code of each class is part of the CLI's API (DESIGN.md): 3 not found, 4 invalid
input, 5 conflict, 6 database unavailable or wrong version, 7 not permitted.
"""

from typing import Any


class DesktermError(Exception):
    exit_code = 1
    kind = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.kind, "message": self.message, **self.details}


class NotFound(DesktermError):
    exit_code = 3
    kind = "not-found"


class InvalidInput(DesktermError):
    exit_code = 4
    kind = "invalid-input"


class Conflict(DesktermError):
    """The record changed since the caller saw it; ``details['changes']`` says how."""

    exit_code = 5
    kind = "conflict"


class DatabaseUnavailable(DesktermError):
    exit_code = 6
    kind = "database-unavailable"


class NotPermitted(DesktermError):
    exit_code = 7
    kind = "not-permitted"
