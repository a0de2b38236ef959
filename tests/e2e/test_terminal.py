"""The installed ``deskterm`` command in a real terminal (tmux): what an agent actually sees.

Each test starts its own tmux server (a unique ``-L`` socket) with a fixed size, runs the real
console script next to the test interpreter against a copy of the seeded desk, types keys,
and polls ``capture-pane`` until the screen shows what it should (no fixed sleeps: after a key
that moves the focus, the tests wait until the screen is quiet, as a person would). The command
runs inside a small shell wrapper that prints its exit status; a crash is caught by that status
and by the traceback in the pane's scrollback (deskterm currently exits 0 after a crash).
"""

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal, below, cli, picked, queue_visible

pytestmark = pytest.mark.e2e


def test_log_a_call_find_it_resolve_it_and_quit(
    terminal: Callable[..., Terminal],
    desk_url: str,
    tmp_path: Path,
) -> None:
    unique = f"e2e jam {os.getpid() % 10_000}{time.monotonic_ns() % 1000}"
    resolution = "Cleared the paper path"
    term = terminal()
    term.wait(queue_visible, why="the queue")

    # n: log a call for María, pick her from the matches (enter moves on), give it a title, save.
    term.keys("n")
    term.wait("Log a call")
    term.settle()
    term.type("maria")
    term.wait("maria.wang@example.com", why="María among the matches")
    term.keys("Enter")
    term.wait(picked, why="María chosen and the matches closed")
    term.settle()  # picking by enter moved on to the title
    term.type(unique)
    term.wait(below("Title", unique), why="the title in its field")
    term.keys("C-s")
    shown = term.wait("Logged INC-")
    ref = re.search(r"Logged (INC-\d+)", shown)
    assert ref is not None
    ref_text = ref.group(1)
    # the saved call opens (the agent is still on the phone); escape goes back to the queue
    term.wait(lambda s: re.search(rf"{ref_text} P\d new", s) is not None, why=f"{ref_text} opened")
    term.keys("Escape")
    term.wait(queue_visible, why="the queue again")
    term.settle()

    # /: filter on the title; enter hands the keys back to the table; enter opens the ticket.
    term.keys("/")
    term.settle()
    term.type(unique.split()[-1])
    term.wait(lambda s: any(ref_text in line and unique in line for line in s.splitlines()), why="the row")
    term.keys("Enter")
    term.wait("⏎ Open", why="the table to have the keys again")
    term.keys("Enter")
    term.wait(lambda s: re.search(rf"{ref_text} P\d new", s) is not None, why=f"{ref_text}'s detail")

    # R: resolve with the default code (fixed) and a text.
    term.keys("R")
    term.wait("What was done")
    term.settle()
    term.keys("Tab")
    term.settle()
    term.type(resolution)
    term.wait(below("What was done", resolution), why="the resolution in its field")
    term.keys("C-s")
    term.wait(f"resolution: - → {resolution}", why="the resolution in the timeline")
    assert re.search(rf"{ref_text} P\d resolved", term.last), term.last

    term.quit()

    listed = ["ticket", "list", "--status", "resolved", "--search", unique, "--format", "json"]
    found = json.loads(cli(desk_url, *listed, tmp_path=tmp_path))
    assert [t["ref"] for t in found] == [ref_text]
    ticket = json.loads(cli(desk_url, "ticket", "show", ref_text, "--format", "json", tmp_path=tmp_path))
    assert ticket["status"] == "resolved"
    assert ticket["resolution_code"] == "fixed"
    assert ticket["resolution"] == resolution
    assert ticket["title"] == unique
    assert ticket["caller_email"] == "maria.wang@example.com"


def test_vt100_without_colour_shows_the_queue(terminal: Callable[..., Terminal]) -> None:
    term = terminal(TERM="vt100", NO_COLOR="1")
    term.wait(queue_visible, why="the queue")
    term.keys("?")
    term.wait("Keys: queue")
    term.keys("Escape")
    term.wait(lambda s: "Keys: queue" not in s and queue_visible(s), why="the help to close")
    term.quit()


def test_a_tiny_terminal_still_answers_keys(terminal: Callable[..., Terminal]) -> None:
    term = terminal(width=40, height=12)
    term.wait(queue_visible, why="the queue")
    term.keys("?")
    term.wait("Keys: queue")
    term.keys("Escape")
    term.wait(lambda s: "Keys: queue" not in s and queue_visible(s), why="the help to close")
    term.keys("n")
    term.wait("Log a call")
    term.settle()
    term.keys("Escape")
    term.wait(lambda s: "Log a call" not in s and queue_visible(s), why="the empty form to close")
    term.quit()
