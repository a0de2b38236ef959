"""Reading the files a command is given: a missing or unreadable file and text that is not
UTF-8 are exit 4, each with its own sentence."""

import os
import sys
from pathlib import Path

from deskterm.services.core.context import SERVED_ENV
from deskterm.services.core.errors import InvalidInput, NotPermitted


def local_file(name: str) -> Path:
    """A file named on the command line; refused in a session of ``deskterm serve ssh``, whose
    files are the server's, not the agent's (over SSH, input comes on standard input: ``-``)."""
    if os.environ.get(SERVED_ENV):
        raise NotPermitted(
            f"over SSH the server's files are not yours to read ({name}); pipe the file in and give '-'"
        )
    return Path(name)


def read_text(name: str) -> tuple[str, str]:
    """``(text, source)`` of a file, or of standard input for ``-``."""
    if name == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        source = "standard input"
    else:
        try:
            data = local_file(name).read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read {name}: {exc.strerror or exc}; check the path") from None
        source = name
    try:
        return data.decode("utf-8"), source
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{source} is not UTF-8 text (byte {exc.start + 1} is invalid); save it as UTF-8"
        ) from None
