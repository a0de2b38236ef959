"""``deskterm serve web --wall``: the wallboard served by textual-serve on loopback, seen over
HTTP, over its websocket (the wall running read-only), and in headless Chromium."""

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
from typing import Any

import pytest

from deskterm.serve import web
from tests.serve.http import Served, deskterm, request, start

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def wall(db_url: str, servers: list[Served]) -> Served:
    assert deskterm(db_url, "service", "add", "Email").returncode == 0  # a desk in use
    served = start(db_url, "web", "--wall", "--listen", f"127.0.0.1:{_free_port()}")
    servers.append(served)
    return served


def test_the_page_is_served_with_the_textual_client(wall: Served) -> None:
    status, headers, body = request(f"{wall.url}/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f"{wall.url}/static/js/textual.js" in page and "deskterm wallboard" in page
    assert f'"ws://{wall.url.removeprefix("http://")}/ws"' in page or "/ws" in page
    status, _, script = request(f"{wall.url}/static/js/textual.js")
    assert status == 200 and len(script) > 1000
    assert wall.stop() == 0


async def _screen_text(url: str, seconds: float = 20.0) -> str:
    """What the wall drew over its websocket within ``seconds``. The whole exchange is bounded:
    under load the socket's close handshake once hung a CI run for twenty minutes."""
    seen: list[str] = []
    with contextlib.suppress(TimeoutError):  # what was seen is what counts
        await asyncio.wait_for(_read_screen(url, seconds, seen), seconds + 10)
    return "".join(seen)


async def _read_screen(url: str, seconds: float, seen: list[str]) -> None:
    import aiohttp

    socket_url = f"{url.replace('http', 'ws', 1)}/ws?width=100&height=30"
    timeout = aiohttp.ClientWSTimeout(ws_receive=seconds, ws_close=5)
    async with aiohttp.ClientSession() as session, session.ws_connect(socket_url, timeout=timeout) as ws:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline and "BREACHED" not in "".join(seen):
            try:
                message: Any = await ws.receive(timeout=deadline - loop.time())
            except TimeoutError:
                break
            if message.type == aiohttp.WSMsgType.BINARY:
                seen.append(message.data.decode("utf-8", "replace"))
            elif message.type == aiohttp.WSMsgType.TEXT:
                seen.append(message.data)
            else:
                break


def test_a_browser_session_runs_the_wall_read_only(wall: Served) -> None:
    assert "--read-only" in web.wall_command().split()
    seen = asyncio.run(_screen_text(wall.url))
    assert "BREACHED" in seen and "AT RISK" in seen


def test_behind_a_reverse_proxy_the_page_names_the_public_url(db_url: str, servers: list[Served]) -> None:
    listen = f"127.0.0.1:{_free_port()}"
    served = start(
        db_url,
        "web",
        "--wall",
        "--listen",
        listen,
        "--public-url",
        "https://noc.example.com/wall/",
    )
    servers.append(served)
    assert served.url == "https://noc.example.com/wall"
    assert "https://noc.example.com/wall" in served.wait_log("wallboard on")
    status, _, body = request(f"http://{listen}/")
    page = body.decode()
    assert status == 200 and "wss://noc.example.com/wall/ws" in page
    assert "https://noc.example.com/wall/static/js/textual.js" in page


def test_serve_web_needs_wall_and_a_port(db_url: str) -> None:
    assert deskterm(db_url, "serve", "web").returncode == 2  # --wall is required
    zero = deskterm(db_url, "serve", "web", "--wall", "--listen", "127.0.0.1:0")
    assert zero.returncode == 4 and "needs a port" in zero.stderr
    bad = deskterm(db_url, "serve", "web", "--wall", "--listen", "nowhere")
    assert bad.returncode == 4 and "HOST:PORT" in bad.stderr


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="chromium is not installed")
def test_headless_chromium_shows_the_wallboard(wall: Served, tmp_path: Any) -> None:
    assert CHROMIUM is not None, "CI: chromium must be installed (.ci/run)"
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{wall.url}/",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    # textual.js marks the body when the wall's first bytes arrived over the websocket
    assert "-first-byte" in dom.stdout, dom.stdout[:3000]
    assert "textual-terminal" in dom.stdout
