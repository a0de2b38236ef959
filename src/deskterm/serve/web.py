"""``deskterm serve web --wall``: the SLA wallboard (and the change calendar) in a browser.

textual-serve (the optional extra ``web``) serves a page whose terminal runs one process per
browser: ``deskterm sla wall --read-only``. The read-only desk refuses every write before a
transaction begins, whatever the OS account's roles, so the page is read-only by construction
and not by the wallboard's keys. The database URL reaches that process through the
environment (``DESKTERM_DB``), never its command line, where ``ps`` would show a password.
"""

import os
import shlex
import sys
from collections.abc import Callable
from typing import Any

from deskterm.serve.listen import Listen
from deskterm.services.core.errors import InvalidInput

TITLE = "deskterm wallboard"


def wall_command() -> str:
    """The shell command textual-serve runs per browser: this Python, this deskterm."""
    return shlex.join([sys.executable, "-m", "deskterm", "sla", "wall", "--read-only"])


def make_server(listen: Listen, db_url: str, *, public_url: str | None, log: Callable[[str], None]) -> Any:
    """The textual-serve server of the wallboard, announcing itself through ``log``."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise InvalidInput(
            "deskterm serve web needs textual-serve; install it with pip install 'deskterm[web]'"
        ) from None
    if listen.port == 0:
        raise InvalidInput("--listen needs a port for serve web (the page names it); e.g. 127.0.0.1:8000")
    os.environ["DESKTERM_DB"] = db_url  # inherited by each wallboard process

    class WallServer(Server):
        """textual-serve with deskterm's plain log lines instead of its banner."""

        def initialize_logging(self) -> None:
            import logging

            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("deskterm serve web: %(message)s"))
            logger = logging.getLogger("textual-serve")
            logger.handlers[:] = [handler]
            logger.setLevel(logging.WARNING)
            logger.propagate = False

        async def on_startup(self, app: Any) -> None:
            log(f"deskterm serve web: the wallboard on {self.public_url} (read-only)")

    return WallServer(
        wall_command(),
        host=listen.host,
        port=listen.port,
        title=TITLE,
        public_url=public_url.rstrip("/") if public_url else listen.url(),
    )
