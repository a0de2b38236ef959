"""``deskterm serve web --wall``: the SLA wallboard (and the change calendar) in a browser.

textual-serve (the optional extra ``web``) serves a page whose terminal runs one process per
browser: ``deskterm sla wall --read-only``. The read-only desk refuses every write before a
transaction begins, whatever the OS account's roles, so the page is read-only by construction
and not by the wallboard's keys. The database URL reaches that process through the
environment (``DESKTERM_DB``), never its command line, where ``ps`` would show a password.
"""

import asyncio
import os
import shlex
import signal
import sys
from collections.abc import Callable
from typing import Any

from deskterm.serve.listen import Listen
from deskterm.services.core.errors import InvalidInput

TITLE = "deskterm wallboard"


def wall_command() -> str:
    """The shell command textual-serve runs per browser: this Python, this deskterm."""
    return shlex.join([sys.executable, "-m", "deskterm", "sla", "wall", "--read-only"])


def make_server(
    listen: Listen,
    db_url: str,
    *,
    public_url: str | None,
    log: Callable[[str], None],
    ready: Callable[[str], None],
) -> Any:
    """The textual-serve server of the wallboard. ``ready(public_url)`` is called once the
    socket listens; ``serve()`` returns after SIGTERM or SIGINT, the sessions closed."""
    try:
        from aiohttp import web as aiohttp_web
        from textual_serve.server import Server
    except ImportError:
        raise InvalidInput(
            "deskterm serve web needs textual-serve; install it with pip install 'deskterm[web]'"
        ) from None
    if listen.port == 0:
        raise InvalidInput("--listen needs a port for serve web (the page names it); e.g. 127.0.0.1:8000")
    os.environ["DESKTERM_DB"] = db_url  # inherited by each wallboard process

    class WallServer(Server):
        """textual-serve with deskterm's plain log lines, announcing itself once it listens
        (its own ``serve`` prints a banner before the socket is bound)."""

        def initialize_logging(self) -> None:
            import logging

            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("deskterm serve web: %(message)s"))
            logger = logging.getLogger("textual-serve")
            logger.handlers[:] = [handler]
            logger.setLevel(logging.WARNING)
            logger.propagate = False

        async def on_startup(self, app: Any) -> None:
            pass

        def serve(self, debug: bool = False) -> None:
            self.debug = debug
            self.initialize_logging()
            asyncio.run(self._run())

        async def _run(self) -> None:
            runner = aiohttp_web.AppRunner(await self._make_app(), handle_signals=False)
            await runner.setup()
            try:
                await aiohttp_web.TCPSite(runner, listen.host, listen.port).start()
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(signum, stop.set)
                log(f"deskterm serve web: the wallboard on {self.public_url} (read-only)")
                ready(self.public_url)
                await stop.wait()
            finally:
                await runner.cleanup()  # closes the websockets: each wall process ends

    return WallServer(
        wall_command(),
        host=listen.host,
        port=listen.port,
        title=TITLE,
        public_url=public_url.rstrip("/") if public_url else listen.url(),
    )
