"""A shift at the desk: a first-line agent's working day in the installed ``deskterm``, in tmux.

Calls logged (one of them typed at paste speed: the whole key sequence in one ``send-keys``),
tickets opened from the queue, the SLA monitor, the palette and ``:REF``, incidents from the
event console, problems and changes opened, ``1``-``6`` pressed from every main screen and from
every pushed screen, every action of the ticket screen run, and the desk quit. Afterwards the
database must hold what the agent did, and the pane must show no traceback.

The desk is the seeded TUI desk with the demo problems, changes and events added. The agent is
the OS account running the tests (deskterm enrols it on first use).
"""

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deskterm.demo import changes as demo_changes
from deskterm.demo import events as demo_events
from deskterm.demo import problems as demo_problems
from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.tickets import tickets
from tests.conftest import FROZEN, open_desk
from tests.e2e.terminal import Terminal, picked, queue_visible

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WIDTH, HEIGHT = 100, 32
TICKET = re.compile(r"\b((?:INC|REQ)-\d+) P\d (new|assigned|in-progress|pending|resolved|closed)\b")


@pytest.fixture(scope="session")
def shift_template(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded desk with demo problems, changes and events: every screen has records."""
    target = tmp_path_factory.mktemp("shift") / "shift.sqlite"
    shutil.copy(seeded_template, target)
    desk = open_desk(f"sqlite:///{target}", FixedClock(FROZEN))
    demo_problems.seed(desk, seed=1)
    demo_changes.seed(desk, seed=1)
    demo_events.seed(desk)
    desk.close()
    return target


@pytest.fixture
def desk_url(shift_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "desk.sqlite"
    shutil.copy(shift_template, target)
    return f"sqlite:///{target}"


# -- what each screen looks like -----------------------------------------------------------------

MAIN: dict[str, Callable[[str], bool]] = {
    "1": lambda s: "My groups" in s and "Recently resolved" in s and "Ref" in s,
    "2": lambda s: "breached" in s and "Agreement" in s and "Band" in s,
    "3": lambda s: re.search(r"\d+ open  ⚠ \d+ colliding", s) is not None,
    "4": lambda s: "Known errors" in s and "Open/Inc" in s,
    "5": lambda s: re.search(r"sev \S+  src \S+  ci \S+", s) is not None,
    "6": lambda s: re.search(r"\d{4}-\d\d-\d\d:\w+ \d\d:\d\d-\d\d:\d\d", s) is not None,
}
NAMES = {
    "1": "the queue",
    "2": "the SLA monitor",
    "3": "the change board",
    "4": "problems",
    "5": "the event console",
    "6": "the handover",
}


def on_ticket(ref: str | None = None, status: str | None = None) -> Callable[[str], bool]:
    """The ticket screen (its header line ``REF Pn status``), of ``ref`` in ``status`` if given,
    with no dialog over it."""

    def test(shown: str) -> bool:
        if "╭" in shown:  # a dialog's frame
            return False
        for line in shown.splitlines()[:3]:
            match = TICKET.search(line)
            if (
                match
                and (ref is None or match.group(1) == ref)
                and (status is None or match.group(2) == status)
            ):
                return "esc Back" in shown or "Back" in shown.splitlines()[-1]
        return False

    return test


def shown_ref(shown: str) -> str:
    for line in shown.splitlines()[:3]:
        match = TICKET.search(line)
        if match:
            return match.group(1)
    raise AssertionError(f"no ticket header on the screen:\n{shown}")


class Agent:
    """The agent at the keyboard: keys, then a look at the screen before going on."""

    def __init__(self, term: Terminal) -> None:
        self.term = term
        self.visits: dict[str, int] = {}

    def press(self, *keys: str, until: Callable[[str], bool] | str, why: str, timeout: float = 15.0) -> str:
        self.term.keys(*keys)
        return self.term.wait(until, timeout=timeout, why=why)

    def type(self, text: str, *, until: Callable[[str], bool] | str, why: str) -> str:
        self.term.type(text)
        return self.term.wait(until, why=why)

    def main(self, number: str) -> str:
        """Press a number key and land on that main screen, whatever was open."""
        self.press(number, until=MAIN[number], why=f"{number}: {NAMES[number]}")
        return self.term.wait(
            lambda s: MAIN[number](s) and "Loading…" not in s, why=f"{NAMES[number]} loaded"
        )

    def hop_all(self, back_to: Callable[[], None], where: str) -> None:
        """From the screen ``back_to()`` opens, each of 1-6 lands on its main screen."""
        for number in "123456":
            back_to()
            try:
                self.main(number)
            except AssertionError as exc:
                raise AssertionError(f"{number} from {where}: {exc}") from None
            self.visits[where] = self.visits.get(where, 0) + 1

    def back_to_ticket(self, ref: str) -> None:
        self.press("Escape", until=on_ticket(ref), why=f"back on {ref}")
        self.term.settle()


def ticket_in_db(url: str, ref: str) -> Any:
    desk: Desk = open_desk(url)
    try:
        return tickets.get_ticket(desk, ref)
    finally:
        desk.close()


def test_a_shift_at_the_desk(terminal: Callable[..., Terminal], desk_url: str) -> None:
    term = terminal(width=WIDTH, height=HEIGHT)
    agent = Agent(term)
    term.wait(queue_visible, why="the queue")
    term.settle()

    # -- a call at a person's speed: María, a title, saved; the new ticket opens ---------------
    agent.press("n", until="Log a call", why="the log-a-call form")
    term.settle()
    agent.type("maria", until="maria.wang@example.com", why="María among the matches")
    agent.press("Enter", until=picked, why="María chosen")
    term.type("Scanner on floor 3 shows offline")
    term.wait(lambda s: "Scanner on floor 3 shows offline" in s, why="the title")
    shown = agent.press("C-s", until=on_ticket(status="new"), why="the new ticket opens after saving")
    first = shown_ref(shown)

    # -- a second call: title, enter, description, tab, service, as a person types them ------
    agent.press("Escape", until=queue_visible, why="back to the queue")
    term.settle()
    agent.press("n", until="Log a call", why="the log-a-call form")
    term.settle()
    title, description = "Badge reader rejects all cards", "Since 8:00 the door at gate B stays shut"
    agent.type("maria", until="maria.wang@example.com", why="María among the matches")
    agent.press("Enter", until=picked, why="María chosen")
    agent.type(title, until=title, why="the title")
    term.keys("Enter")
    term.settle()
    agent.type(description, until=description, why="the description")
    term.keys("Tab")
    term.settle()
    agent.type("Email", until=lambda s: s.count("Email") >= 2, why="Email among the services")
    term.keys("Enter")
    term.settle()
    shown = agent.press("C-s", until=on_ticket(status="new"), why="the second call saved and opened")
    pasted = shown_ref(shown)
    view = ticket_in_db(desk_url, pasted)
    assert (view.title, view.description, view.service) == (title, description, "Email"), view

    # -- tickets from the queue, several times ---------------------------------------------------
    agent.main("1")
    opened: list[str] = []
    for moves in ("", "j", "jj"):
        if moves:
            term.keys(*moves)
            term.settle()
        shown = agent.press("Enter", until=on_ticket(), why="a ticket from the queue")
        opened.append(shown_ref(shown))
        agent.press("Escape", until=MAIN["1"], why="back to the queue")
        term.settle()

    # -- from the SLA monitor, and 2 then enter from a ticket (the DuplicateIds crash) ---------
    agent.main("2")
    for moves in ("", "j", "jj"):
        if moves:
            term.keys(*moves)
            term.settle()
        shown = agent.press("Enter", until=on_ticket(), why="a ticket from the SLA monitor")
        opened.append(shown_ref(shown))
        agent.main("2")
        agent.press("Enter", until=on_ticket(), why="another ticket from the SLA monitor, from a ticket")
        agent.main("2")

    # -- the palette and :REF, from the queue and from a ticket ---------------------------------
    agent.main("1")
    for ref in ("INC-20", "INC-222", "REQ-45"):
        agent.press("C-p", until=lambda s: "Search" in s or "palette" in s.lower(), why="the palette")
        term.settle()
        term.type(ref)
        term.wait(f"open {ref}", why=f"{ref} offered by the palette")
        agent.press("Enter", until=on_ticket(ref), why=f"{ref} from the palette")
        term.settle()
    for ref in ("INC-114", "INC-198", "INC-20"):
        agent.press(":", until=lambda s: "or a ref" in s, why="the command line")
        term.type(ref)
        agent.press("Enter", until=on_ticket(ref), why=f":{ref}")
        term.settle()
    agent.main("1")

    # -- the event console: incidents opened from events -----------------------------------------
    agent.main("5")
    shown = term.settle()
    lines = shown.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Severity"))
    with_incident = [
        i - header - 1 for i, line in enumerate(lines) if i > header and re.search(r" INC-\d+ ", line)
    ]
    assert with_incident, f"no event of the demo desk has an incident:\n{shown}"
    at = 0
    for row in with_incident[:3]:
        term.keys(*(["j"] * (row - at)))
        at = row
        term.wait(f"{row + 1}/", why=f"the cursor on row {row + 1}")
        agent.press("Enter", until=on_ticket(), why="the incident of an event")
        opened.append(shown_ref(term.last))
        agent.press("Escape", until=MAIN["5"], why="back to the event console")
        term.settle()

    # -- problems and the change board: records opened, several times ----------------------------
    agent.main("4")
    for moves in ("", "j", ""):
        if moves:
            term.keys(moves)
            term.settle()
        agent.press(
            "Enter",
            until=lambda s: re.search(r"\bPRB-\d+\b", s.splitlines()[1]) is not None,
            why="a problem's detail",
        )
        agent.press("Escape", until=MAIN["4"], why="back to problems")
        term.settle()
    agent.main("3")
    for moves in ("", "l", "l"):
        if moves:
            term.keys(moves)
            term.settle()
        agent.press(
            "Enter",
            until=lambda s: re.search(r"\bCHG-\d+\b", s.splitlines()[1]) is not None,
            why="a change's detail",
        )
        agent.press("Escape", until=MAIN["3"], why="back to the board")
        term.settle()

    # -- 1-6 from every main screen -----------------------------------------------------------
    for origin in "123456":
        agent.hop_all(lambda origin=origin: agent.main(origin), f"main screen {origin}")  # type: ignore[misc]

    # -- 1-6 from every pushed screen ---------------------------------------------------------
    def ticket() -> None:
        agent.main("1")
        agent.press(":", until=lambda s: "or a ref" in s, why="the command line")
        term.type(first)
        agent.press("Enter", until=on_ticket(first), why=f":{first}")

    agent.hop_all(ticket, "a ticket")

    def explain() -> None:
        ticket()
        agent.press("x", until=lambda s: "SLA" in s and not on_ticket(first)(s), why="the SLA explanation")

    agent.hop_all(explain, "the SLA explanation")

    def help_screen() -> None:
        ticket()
        agent.press("?", until="Keys:", why="the help")

    agent.hop_all(help_screen, "the help")

    def report() -> None:
        agent.main("1")
        agent.press(":", until=lambda s: "or a ref" in s, why="the command line")
        term.type("report")
        agent.press("Enter", until=lambda s: "Open breach" in s or "Earlier" in s, why=":report")

    agent.hop_all(report, ":report")

    def reports() -> None:
        agent.main("1")
        agent.press(":", until=lambda s: "or a ref" in s, why="the command line")
        term.type("reports")
        agent.press("Enter", until=lambda s: "Next report" in s or "Breakdown" in s, why=":reports")

    agent.hop_all(reports, ":reports")

    def problem() -> None:
        agent.main("4")
        agent.press(
            "Enter",
            until=lambda s: re.search(r"\bPRB-\d+\b", s.splitlines()[1]) is not None,
            why="a problem's detail",
        )

    agent.hop_all(problem, "a problem")

    def change() -> None:
        agent.main("3")
        agent.press(
            "Enter",
            until=lambda s: re.search(r"\bCHG-\d+\b", s.splitlines()[1]) is not None,
            why="a change's detail",
        )

    agent.hop_all(change, "a change")

    def calendar() -> None:
        agent.main("3")
        agent.press("c", until=lambda s: "Week/month" in s or "Week " in s, why="the change calendar")

    agent.hop_all(calendar, "the change calendar")

    def kpi() -> None:
        agent.main("3")
        agent.press("K", until="Change KPIs", why="the change KPIs")

    agent.hop_all(kpi, "the change KPIs")

    # -- every action of the ticket screen, on the pasted call ---------------------------------
    ref = pasted
    agent.main("1")
    agent.press(":", until=lambda s: "or a ref" in s, why="the command line")
    term.type(ref)
    agent.press("Enter", until=on_ticket(ref, "new"), why=f":{ref}")
    term.settle()

    def act(key: str, status: str | None, why: str) -> str:
        shown = agent.press(key, until=on_ticket(ref, status), why=why)
        term.settle()
        return shown

    def dialog(key: str, title: str) -> None:
        agent.press(key, until=title, why=f"the dialog {title!r}")
        term.settle()

    def save(status: str | None, why: str) -> None:
        agent.press("C-s", until=on_ticket(ref, status), why=why)
        term.settle()

    act("t", "assigned", "take")
    dialog("i", f"Note on {ref}")
    term.type("Asked the caller to try the other door")
    term.wait("Asked the caller to try the other door", why="the note typed")
    save(None, "the note saved")
    term.wait("Asked the caller to try the other door", why="the note in the timeline")
    dialog("u", f"Public update on {ref}")
    term.type("We are on it, a technician is on the way")
    term.wait("a technician is on the way", why="the update typed")
    save(None, "the public update saved")
    dialog("p", f"Set {ref} pending")
    agent.press("Enter", until="customer", why="the reasons listed")
    term.keys("Down", "Enter")
    term.settle()
    save("pending", "pending")
    act("w", "in-progress", "resume")
    dialog("E", f"Hierarchic escalation of {ref}")
    term.type("Gate B is the only entrance for deliveries")
    save(None, "the hierarchic escalation")
    dialog("m", "major incident")
    act("y", None, "marked major")
    term.wait(lambda s: "MAJOR" in s or "major: " in s, why="the major mark")
    act("m", None, "major mark taken off (reversible: no question)")
    dialog("l", f"Make {ref} the parent")
    term.type(first)
    save(None, "a child linked")
    dialog("x", "")
    agent.press("Escape", until=on_ticket(ref), why="back from the explanation")
    dialog("K", f"Apply a known error to {ref}")
    term.wait("Workaround", why="a known error offered with its workaround")
    agent.press("Enter", until=on_ticket(ref), why="the known error applied")
    term.wait("workaround", why="the workaround in the timeline")
    term.settle()
    dialog("a", f"Assign {ref}")
    term.keys("Tab")
    term.settle()
    term.type("sofia")
    term.wait("sofia.rossi", why="the agent offered")
    term.keys("Enter")
    term.settle()
    save(None, "assigned to sofia.rossi")
    dialog("e", f"Functional escalation of {ref}")
    agent.press("Enter", until=lambda s: "(tier 2)" in s or "tier 2" in s, why="the higher-tier groups")
    term.keys("Down", "Enter")
    term.settle()
    term.keys("Tab")
    term.settle()
    term.type("Needs the facilities team")
    term.wait("Needs the facilities team", why="the reason typed")
    save(None, "escalated to a higher tier")
    dialog("R", f"Resolve {ref}")
    term.keys("Tab")
    term.settle()
    term.type("Reset the badge reader controller")
    term.wait("Reset the badge reader controller", why="the resolution typed")
    term.keys("C-s")
    term.wait(lambda s: "child" in s.lower() and "?" in s, why="the question: resolve with its children")
    act("y", "resolved", "resolved with its child")
    dialog("S", f"Satisfaction survey for {ref}")
    agent.press("Enter", until="very satisfied", why="the scores")
    term.keys("Down", "Enter")
    term.settle()
    save(None, "the survey answer recorded")
    act("O", "in-progress", "reopened")
    dialog("R", f"Resolve {ref}")
    term.keys("Tab")
    term.settle()
    term.type("Replaced the reader")
    term.keys("C-s")
    term.wait(lambda s: "child" in s.lower() and "?" in s, why="the question again")
    act("y", "resolved", "resolved again")
    dialog("C", "final")
    act("y", "closed", "closed after the question")
    agent.main("1")

    quitting = time.monotonic()
    term.quit(timeout=60)
    print(f"deskterm took {time.monotonic() - quitting:.1f} s to quit")

    # -- the database afterwards --------------------------------------------------------------
    view = ticket_in_db(desk_url, ref)
    assert view.status.value == "closed"
    assert view.resolution == "Replaced the reader"
    assert any(a.field == "assignee" and a.new == "sofia.rossi" for a in view.history), view.history
    assert any(a.field == "escalation" for a in view.history), view.history
    assert view.tier.value != "1", "functionally escalated to a higher tier"
    assert view.workaround, "the known error's workaround was recorded"
    assert first in view.children
    notes = {(n.body, n.visibility.value) for n in view.notes}
    assert ("Asked the caller to try the other door", "internal") in notes, notes
    assert ("We are on it, a technician is on the way", "public") in notes, notes
    assert view.reopen_count == 1
    assert not view.major, "the major mark was taken off again"
    first_view = ticket_in_db(desk_url, first)
    assert first_view.title == "Scanner on floor 3 shows offline"
    assert first_view.status.value == "resolved", "the child is resolved with its parent"
    assert len(set(opened)) >= 3


def test_a_call_typed_at_paste_speed_lands_in_its_fields(
    terminal: Callable[..., Terminal], desk_url: str
) -> None:
    """Every key of the call in one burst (a paste, a fast typist, an SSH packet): the caller is
    picked by enter, the title and the description land in their own fields, the service too."""
    term = terminal(width=WIDTH, height=HEIGHT)
    term.wait(queue_visible, why="the queue")
    term.settle()
    term.keys("n")
    term.wait("Log a call", why="the log-a-call form")
    term.settle()
    title, description = "Badge reader rejects all cards", "Since 8:00 the door at gate B stays shut"
    term.keys("maria", "Enter", title, "Enter", description, "Tab", "Email", "Enter", "C-s")
    shown = term.wait(on_ticket(status="new"), timeout=20, why="the pasted call saved and opened")
    view = ticket_in_db(desk_url, shown_ref(shown))
    assert view.title == title, f"the title field got {view.title!r}"
    assert view.description == description, f"the description field got {view.description!r}"
    assert view.caller_email == "maria.wang@example.com", view
    assert view.service == "Email", view
    term.quit()
