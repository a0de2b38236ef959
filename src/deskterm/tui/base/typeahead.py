"""Type-ahead that keeps its order: each key reaches the widget that has focus once the previous
key has been handled, however fast the keys arrive.

Why: Textual forwards every key to the widget focused *when the app reads the key*. Keys that
arrive in one burst (a paste, a fast typist, an SSH packet carrying several keys) are all
forwarded before the first of them has been handled, so the ``enter`` that moves a form to its
next field is followed by text that still lands in the old field. Here the app hands keys over
one at a time and, after each, waits until the focused widget and its ancestors have handled
everything the key set off (a ``Submitted`` bubbling up, the screen moving focus, a binding
on the screen). That is a wait on the handlers themselves, not on a timer: the time limit only
keeps a handler that never returns from freezing the keyboard.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from textual import events
from textual.dom import DOMNode
from textual.message_pump import MessagePump

SETTLE_ROUNDS = 12
SETTLE_SECONDS = 2.0


class KeyOrder:
    """Serialises key delivery for one app. ``deliver`` is the app's own key handling."""

    def __init__(self, deliver: Callable[[events.Key], Awaitable[None]], chain: Callable[[], list[DOMNode]]):
        self._deliver = deliver
        self._chain = chain
        self._waiting: deque[events.Key] = deque()
        self._busy = False
        self._task: asyncio.Task[None] | None = None
        self.on_error: Callable[[BaseException], None] = lambda exc: None

    @property
    def busy(self) -> bool:
        return self._busy

    async def key(self, event: events.Key) -> None:
        """A key from the terminal: handled now when nothing is in flight, else queued."""
        if self._busy:
            self._waiting.append(event)
            return
        self._busy = True
        try:
            await self._deliver(event)
        except BaseException:
            self._busy = False
            raise
        self._task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            await self.settle()
            while self._waiting:
                await self._deliver(self._waiting.popleft())
                await self.settle()
        except Exception as exc:
            self._waiting.clear()
            self.on_error(exc)
        finally:
            self._busy = False

    async def settle(self) -> None:
        """Wait until the focus chain has handled every message queued on it, round by round
        (a message handled in one round may post the next one up the chain)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        for round_no in range(SETTLE_ROUNDS):
            nodes: list[MessagePump] = list(self._chain())
            if round_no and all(node._message_queue.empty() for node in nodes):
                return
            remaining = deadline - loop.time()
            if remaining <= 0 or not await _one_round(nodes, remaining):
                return


async def _one_round(nodes: list[MessagePump], timeout: float) -> bool:
    """Post a marker behind what each node has queued and wait until every marker has run."""
    done = asyncio.Event()
    pending = 0

    def one_done() -> None:
        nonlocal pending
        pending -= 1
        if pending == 0:
            done.set()

    for node in nodes:
        if node.call_later(one_done):
            pending += 1
    if not pending:
        return False
    try:
        await asyncio.wait_for(done.wait(), timeout)
    except TimeoutError:
        return False
    return True
