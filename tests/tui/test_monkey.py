"""A key monkey: a seeded random walk of keys through the whole desk, in Pilot.

Each step picks a key from what the active screen offers (its bindings and the app's), or
types text (ASCII words, Chinese, markup such as ``[bold]``), or presses ``escape``, ``enter``,
``tab``, ``ctrl+p``, a number key ``1``-``6``, or ``:`` with a command or a ref. The walk fails
on any exception the app stores, on a key the app has not handled within ``KEY_TIMEOUT``
seconds, and on a screen stack that grows past ``STACK_BOUND`` in any mode. Quitting is never
typed (no ``ctrl+q``, no ``:q``), and should the app try to leave anyway (the palette's "Quit"),
its ``exit`` is caught and counted instead, so that the walk goes on.

CI runs the seeds in ``CI_SEEDS``. Replay a failure with its seed::

    pytest tests/tui/test_monkey.py --monkey-seed N [--monkey-keys K]

(or ``DESKTERM_MONKEY_SEED=N``). The key sequence of a failing walk is written to a JSON file
named in the failure; ``DESKTERM_MONKEY_REPLAY=FILE`` presses exactly those keys again. A long
soak with random seeds: ``python -m tests.benchmarks.soak --minutes 30``.
"""

import asyncio
import json
import os
import random
import time
import traceback
import unicodedata
from pathlib import Path
from typing import Any, NoReturn

import pytest
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

from deskterm.tui.app import MAX_PUSHED, DeskApp
from tests.tui.conftest import wait_for

CI_SEEDS = (1, 2)
CI_KEYS = 2500  # per seed: 5,000 keys in CI
KEY_TIMEOUT = 30.0  # seconds for one key to be handled, however busy the machine
STACK_BOUND = max(12, MAX_PUSHED + 6)  # a main screen, MAX_PUSHED records and a few dialogs on top
SIZES = ((100, 30), (80, 24), (120, 40))  # by seed % 3: CI seed 1 walks at 80x24

WORDS = (
    "printer",
    "vpn",
    "jam",
    "maria",
    "email",
    "outage",
    "Print",
    "INC-3",
    "inc151",
    "chg",
    "PRB-1",
    "KE-1",
    "alice",
    "network",
    "a",
    "x",
    "42",
    "-",
    "[bold]",
    "[/]",
    "[link=http://x]l[/link]",
    "[red]red",
    "\\[",
    "红色警报",
    "打印机卡纸",
    "邮件系统",
    "王",
    "María",
    "ü",
    " ",
    "hello world",
)
COMMANDS = (
    "INC-3",
    "INC-1",
    "INC-151",
    "INC-999999",
    "REQ-2",
    "report",
    "reports",
    "chg",
    "CHG-1",
    "CHG-2",
    "prb",
    "PRB-1",
    "KE-1",
    "sla",
    "evt",
    "inc",
    "handover",
    "admin",
    "new",
    "help",
    "nonsense",
    "[bold]",
    "红色",
    "",
)
ALWAYS = ("escape", "enter", "tab", "shift+tab", "up", "down", "space", "backspace", "ctrl+s")
NUMBERS = tuple("123456")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "monkey_seed" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("monkey_seed") or []
    if not chosen and os.environ.get("DESKTERM_MONKEY_SEED"):
        chosen = [int(s) for s in os.environ["DESKTERM_MONKEY_SEED"].split(",")]
    metafunc.parametrize("monkey_seed", chosen or list(CI_SEEDS))


def _key_count(config: pytest.Config) -> int:
    given = config.getoption("monkey_keys") or os.environ.get("DESKTERM_MONKEY_KEYS")
    return int(given) if given else CI_KEYS


def _quits(binding_action: str) -> bool:
    return "quit" in binding_action


def _typed(text: str) -> list[str]:
    return list(text)


class Monkey:
    """Chooses the next keys from what the app shows now."""

    def __init__(self, app: DeskApp, rng: random.Random) -> None:
        self.app = app
        self.rng = rng

    def offered(self) -> list[str]:
        """Keys bound on the active screen, its focus chain and the app, never a quitting one."""
        keys: list[str] = []
        try:
            bindings = self.app.screen.active_bindings
        except Exception:  # a screen between mount and compose: the fixed keys will do
            return keys
        for key, active in bindings.items():
            if _quits(active.binding.action) or "ctrl+q" in key or "ctrl+c" in key:
                continue
            keys.append(key)
        return keys

    def next_keys(self) -> list[str]:
        roll = self.rng.random()
        offered = self.offered()
        if roll < 0.45 and offered:
            return [self.rng.choice(offered)]
        if roll < 0.60:
            return _typed(self.rng.choice(WORDS))
        if roll < 0.70:
            return [self.rng.choice(ALWAYS)]
        if roll < 0.78:
            return ["escape"]
        if roll < 0.85:
            return [self.rng.choice(NUMBERS)]
        if roll < 0.89:
            return ["enter"]
        if roll < 0.92:
            return ["ctrl+p"]
        if roll < 0.97:
            return ["colon", *_typed(self.rng.choice(COMMANDS)), "enter"]
        return ["tab"]


def _key_event(key: str) -> events.Key:
    """The event a terminal's key makes, as Pilot builds it."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def _press(pilot: Any, key: str) -> None:
    """Press one key as a fast typist would: handed to the driver like a terminal's key, then
    waited for until the screen has processed it (Pilot's ``press`` also sleeps until the
    process looks idle, 40 ms a key at least: too slow for thousands of keys)."""
    app = pilot.app
    event = _key_event(key)
    event.set_sender(app)
    app._driver.send_message(event)
    await pilot._wait_for_screen(timeout=KEY_TIMEOUT)


def _stack_summary(app: DeskApp) -> str:
    stacks = getattr(app, "_screen_stacks", {})
    return "; ".join(f"{mode}: {[type(s).__name__ for s in stack]}" for mode, stack in stacks.items())


class _Stop(Exception):
    """Ends a walk; the failure is reported after the app has stopped."""


class Walk:
    """One walk: the keys pressed so far, and a failure that names the seed and the keys."""

    def __init__(self, app: DeskApp, seed: int, count: int, log_path: Path) -> None:
        self.app = app
        self.seed = seed
        self.count = count
        self.log_path = log_path
        self.pressed: list[str] = []
        self.quits = 0
        self.why = ""
        self.screens = ""

    def fail(self, why: str) -> NoReturn:
        """Stop the walk; ``report`` names the failure once the app is down."""
        self.why = self.why or why
        current = _stack_summary(self.app)
        if "Screen" in current or "Dialog" in current:
            self.screens = current
        raise _Stop(why)

    def report(self) -> NoReturn:
        self.log_path.write_text(json.dumps(self.pressed, ensure_ascii=False), encoding="utf-8")
        tail = " ".join(self.pressed[-60:])
        pytest.fail(
            f"monkey seed {self.seed}, after {len(self.pressed)} keys: {self.why}\n"
            f"screens: {self.screens}\nlast keys: {tail}\n"
            f"all keys: {self.log_path} (DESKTERM_MONKEY_REPLAY={self.log_path} replays them)\n"
            f"replay: pytest tests/tui/test_monkey.py --monkey-seed {self.seed} --monkey-keys {self.count}",
            pytrace=False,
        )

    def crashed(self, exc: BaseException) -> NoReturn:
        trace = "".join(traceback.format_exception(exc))
        self.fail(f"the app raised {exc!r}\n{trace}")

    def note_screens(self) -> None:
        self.screens = _stack_summary(self.app)

    def check(self) -> None:
        app = self.app
        if app._exception is not None:
            self.crashed(app._exception)
        if app.return_code is not None:
            self.fail(f"the app stopped with return code {app.return_code}")
        for mode, stack in getattr(app, "_screen_stacks", {}).items():
            if len(stack) > STACK_BOUND:
                self.fail(f"the stack of mode {mode!r} grew to {len(stack)} screens (bound {STACK_BOUND})")

    def idle(self) -> bool:
        order = getattr(self.app, "keys", None)  # the app's KeyOrder: keys typed ahead wait there
        return not getattr(order, "busy", False)

    async def run(self, pilot: Any, replay: list[str] | None) -> None:
        app = self.app
        monkey = Monkey(app, random.Random(self.seed))

        def caught_exit(*_args: Any, **_kwargs: Any) -> None:
            self.quits += 1

        app.exit = caught_exit  # type: ignore[method-assign]
        queued = list(replay) if replay is not None else None
        while len(self.pressed) < self.count:
            if queued is not None:
                if not queued:
                    break
                keys = [queued.pop(0)]
            else:
                keys = monkey.next_keys()
            self.note_screens()
            for key in keys:
                if key == "enter" and _about_to_quit(app):
                    key = "escape"
                self.pressed.append(key)
                try:
                    await asyncio.wait_for(_press(pilot, key), KEY_TIMEOUT)
                except TimeoutError:
                    self.fail(f"the key {key!r} was not handled within {KEY_TIMEOUT:.0f} s")
                self.check()
            deadline = time.monotonic() + KEY_TIMEOUT
            while not self.idle():  # keys typed ahead wait in the app's KeyOrder until handled
                if time.monotonic() > deadline:
                    self.fail(f"keys typed ahead still waiting after {KEY_TIMEOUT:.0f} s")
                await asyncio.sleep(0.002)
                await pilot._wait_for_screen(timeout=KEY_TIMEOUT)
            if len(self.pressed) % 50 < len(keys):  # now and then let the database calls finish
                await pilot.pause()
                await self.workers_done()
        await self.workers_done()

    async def workers_done(self) -> None:
        try:
            await asyncio.wait_for(self.app.workers.wait_for_complete(), KEY_TIMEOUT)
        except TimeoutError:
            self.fail(f"workers still running after {KEY_TIMEOUT:.0f} s: {list(self.app.workers)}")
        self.check()


def _about_to_quit(app: DeskApp) -> bool:
    """``enter`` in the command line holding ``q`` or ``quit``: the monkey never quits."""
    from textual.widgets import Input

    from deskterm.tui.base.command_line import CommandLine

    screen = app.screen
    if not isinstance(screen, CommandLine):
        return False
    try:
        value = screen.query_one(Input).value
    except Exception:
        return False
    return value.strip().lstrip(":").strip().lower() in ("q", "quit")


async def test_key_monkey(
    app: DeskApp, monkey_seed: int, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    count = _key_count(request.config)
    replay_file = os.environ.get("DESKTERM_MONKEY_REPLAY")
    replay = json.loads(Path(replay_file).read_text(encoding="utf-8")) if replay_file else None
    size = SIZES[monkey_seed % len(SIZES)]
    walk = Walk(app, monkey_seed, count, tmp_path / f"monkey-{monkey_seed}.json")
    started = time.monotonic()
    try:
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: type(app.screen).__name__ == "QueueScreen", message="the queue")
            await walk.run(pilot, replay)
    except Exception as exc:  # the app's own exception, raised again by run_test or by a press
        if not walk.why:
            walk.why = f"the app raised {exc!r}\n{''.join(traceback.format_exception(exc))}"
    if walk.why:
        walk.report()
    took = time.monotonic() - started
    print(
        f"monkey seed {monkey_seed} size {size}: {len(walk.pressed)} keys in {took:.1f} s, "
        f"{walk.quits} quit attempts caught"
    )
