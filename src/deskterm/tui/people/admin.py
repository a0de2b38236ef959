"""The team on screen (``:admin``): agents and groups, and the admin's edits of them.

Two tables, switched with ``tab``: agents (login, name, granted roles, groups, active) and
groups (name, tier, lead, members). An admin adds (``a``) and edits (``e``) agents, deactivates
or reactivates one (``d``, after a question), adds a group (``g``) and adds or removes a member
(``m``). Every edit is the service function the CLI's ``agent`` and ``group`` commands call;
its refusal is shown as the service words it, and nothing changes. Anyone else sees the same
tables read-only: the editing keys are not offered (:class:`PermittedActions`).
"""

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from deskterm.domain.core.permissions import Action, Role
from deskterm.services.core.errors import DesktermError
from deskterm.services.core.views import GroupView
from deskterm.services.people import agents, people
from deskterm.services.people.agents import AgentDetail
from deskterm.tui.base.confirm import ConfirmDialog
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.permitted import PermittedActions
from deskterm.tui.base.render import cell, for_screen, safe
from deskterm.tui.people.admin_forms import agent_dialog, group_dialog, member_dialog
from deskterm.tui.widgets.status_line import StatusLine

TABS = ("agents", "groups")
EDITS = ("add_agent", "edit_agent", "toggle_active", "add_group", "member")


def _fit(columns: list[tuple[str, int]], width: int) -> list[tuple[str, int]]:
    """The last column takes what the others leave (DataTable pads each cell by one a side)."""
    used = sum(w for _, w in columns[:-1]) + 2 * len(columns) + 2
    name, least = columns[-1]
    return [*columns[:-1], (name, max(least, width - used))]


class AdminScreen(PermittedActions):
    HELP_TITLE = "team admin"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", show=False, id="admin.back"),
        Binding("tab", "switch", "Agents/groups", show=False, id="admin.switch"),
        Binding("a", "add_agent", "Add agent", id="admin.add_agent"),
        Binding("e", "edit_agent", "Edit", id="admin.edit_agent"),
        Binding("d", "toggle_active", "(De)activate", id="admin.active"),
        Binding("g", "add_group", "Add group", id="admin.add_group"),
        Binding("m", "member", "Member", id="admin.member"),
        Binding("j", "cursor(1)", "Down", show=False, id="admin.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="admin.up"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="admin.refresh"),
    ]
    PERMITTED: ClassVar = {action: Action.TEAM_MANAGE for action in EDITS}

    def __init__(self) -> None:
        super().__init__(classes="admin-screen")
        self.tab = "agents"
        self.agents: list[AgentDetail] = []
        self.groups: list[GroupView] = []
        self.message = Text()
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield StatusLine(desk_app(self).desk.short_url)
        yield Static(id="admin-bar")
        yield DataTable(id="admin-agents", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="admin-groups", cursor_type="row", zebra_stripes=True)
        yield Static(id="admin-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        self.query_one("#admin-groups").display = False
        self.table.focus()
        self._bar()
        self.load()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(f"#admin-{self.tab}", DataTable)

    # -- data -------------------------------------------------------------------------------

    def load(self) -> None:
        desk = desk_app(self).desk

        def work() -> None:
            try:
                found = agents.list_agents(desk), people.list_groups(desk)
            except DesktermError as exc:
                self.app.call_from_thread(alive(self, self.say), exc.message, True)
                return
            self.app.call_from_thread(alive(self, self._fill), *found)

        self.run_worker(work, thread=True, exclusive=True, group="admin-load")

    def _fill(self, found_agents: list[AgentDetail], found_groups: list[GroupView]) -> None:
        self.loads += 1
        self.agents, self.groups = found_agents, found_groups
        self._fill_agents()
        self._fill_groups()
        self._bar()
        self.refresh_bindings()

    def _keep_cursor(self, table: DataTable[Any], keys: list[str], current: str | None) -> None:
        if current in keys:
            table.move_cursor(row=keys.index(current))

    def _current_key(self, table: DataTable[Any], keys: list[str]) -> str | None:
        row = table.cursor_row
        return keys[row] if table.row_count and 0 <= row < len(keys) else None

    def _fill_agents(self) -> None:
        table = self.query_one("#admin-agents", DataTable)
        current = self._current_key(table, [str(r.key.value) for r in table.ordered_rows])
        table.clear(columns=True)
        width = self.size.width or self.app.size.width
        columns = _fit([("Login", 14), ("Name", 16), ("Roles", 22), ("Active", 6), ("Groups", 10)], width)
        spare = (columns[-1][1] - 10) // 2  # a wide terminal shows more of the roles too
        columns[2], columns[-1] = ("Roles", 22 + spare), ("Groups", columns[-1][1] - spare)
        for name, w in columns:
            table.add_column(name, width=w, key=name)
        widths = [w for _, w in columns]
        for a in self.agents:
            style = "" if a.active else "dim"
            table.add_row(
                cell(a.login, widths[0], "bold" if a.active else "dim"),
                cell(a.display_name, widths[1], style),
                cell(", ".join(a.roles), widths[2], style) if a.roles else cell("(agent)", widths[2], "dim"),
                cell("yes" if a.active else "NO", widths[3], style),
                cell(", ".join(a.groups) or "-", widths[4], style),
                key=a.login,
            )
        self._keep_cursor(table, [a.login for a in self.agents], current)

    def _fill_groups(self) -> None:
        table = self.query_one("#admin-groups", DataTable)
        current = self._current_key(table, [str(r.key.value) for r in table.ordered_rows])
        table.clear(columns=True)
        width = self.size.width or self.app.size.width
        columns = _fit([("Group", 22), ("Tier", 4), ("Lead", 14), ("Members", 12)], width)
        for name, w in columns:
            table.add_column(name, width=w, key=name)
        widths = [w for _, w in columns]
        for g in self.groups:
            table.add_row(
                cell(g.name, widths[0], "bold"),
                cell(g.tier.value, widths[1]),
                cell(g.lead or "-", widths[2]),
                cell(f"{len(g.members)}: {', '.join(g.members)}" if g.members else "none", widths[3]),
                key=g.name,
            )
        self._keep_cursor(table, [g.name for g in self.groups], current)

    def _bar(self) -> None:
        bar = Text(no_wrap=True, overflow="ellipsis")
        counts = {"agents": len(self.agents), "groups": len(self.groups)}
        for tab in TABS:
            label = f"{tab.capitalize()} {counts[tab]}"
            if tab == self.tab:
                bar.append(f"[{label}]", "bold reverse")
            else:
                bar.append(f" {label} ", "dim")
        bar.append(" tab", "dim")
        if self.acting_roles is not None:
            bar.append("  you: ")
            bar.append_text(safe(self.acting_login, "bold"))
            if not self.may(Action.TEAM_MANAGE):
                bar.append(f"  read-only: editing needs the role {Role.ADMIN.value}", "italic")
        self.query_one("#admin-bar", Static).update(bar)

    def roles_known(self) -> None:
        self._bar()

    def say(self, message: str, problem: bool = False) -> None:
        """The last result or refusal, on the screen's own line (a notice fades, this stays)."""
        text = for_screen(message)
        self.message = safe(text, "bold" if problem else "", multiline=True)
        self.query_one("#admin-message", Static).update(self.message)
        self.notify(text, severity="error" if problem else "information", timeout=8 if problem else 5)

    def on_resize(self) -> None:
        if self.loads:
            self._fill_agents()
            self._fill_groups()

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse

    # -- keys -------------------------------------------------------------------------------

    def check_more(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action in ("edit_agent", "toggle_active"):
            return self.tab == "agents"  # they act on the highlighted agent
        return True

    @property
    def agent(self) -> AgentDetail | None:
        table = self.query_one("#admin-agents", DataTable)
        row = table.cursor_row
        return self.agents[row] if self.agents and 0 <= row < len(self.agents) else None

    @property
    def group(self) -> GroupView | None:
        table = self.query_one("#admin-groups", DataTable)
        row = table.cursor_row
        return self.groups[row] if self.groups and 0 <= row < len(self.groups) else None

    def action_switch(self) -> None:
        self.table.display = False
        self.tab = TABS[(TABS.index(self.tab) + 1) % len(TABS)]
        self.table.display = True
        self.table.focus()
        self._bar()
        self.refresh_bindings()

    def action_cursor(self, step: int) -> None:
        table = self.table
        table.move_cursor(row=max(0, table.cursor_row + step))

    def action_refresh(self) -> None:
        self.load()

    def _after(self, message: str | None) -> None:
        if message:
            self.say(message)
            self.load()
            self.read_roles()  # an admin may have changed their own roles
            desk_app(self).changed_here()

    def action_add_agent(self) -> None:
        self.app.push_screen(agent_dialog(desk_app(self).desk), self._after)

    def action_edit_agent(self) -> None:
        if self.agent is None:
            self.say("No agent here: add one with a.", True)
            return
        self.app.push_screen(agent_dialog(desk_app(self).desk, self.agent), self._after)

    def action_add_group(self) -> None:
        self.app.push_screen(group_dialog(desk_app(self).desk), self._after)

    def action_member(self) -> None:
        group = self.group.name if self.group and self.tab == "groups" else ""
        login = self.agent.login if self.agent and self.tab == "agents" else ""
        self.app.push_screen(member_dialog(desk_app(self).desk, group, login), self._after)

    def action_toggle_active(self) -> None:
        a = self.agent
        if a is None:
            self.say("No agent here: add one with a.", True)
            return
        if a.active:
            question = f"Deactivate {a.login}? They can no longer act; their tickets stay assigned to them."
        else:
            question = f"Reactivate {a.login}? They can act on the desk again."
        login, active = a.login, not a.active
        self.app.push_screen(
            ConfirmDialog(question), lambda yes: self._set_active(login, active) if yes else None
        )

    def _set_active(self, login: str, active: bool) -> None:
        desk = desk_app(self).desk

        def work() -> None:
            try:
                agents.set_active(desk, login, active)
            except DesktermError as exc:
                self.app.call_from_thread(alive(self, self.say), exc.message, True)
                return
            done = f"{login} {'reactivated' if active else 'deactivated'}"
            self.app.call_from_thread(alive(self, self._after), done)

        self.run_worker(work, thread=True, group="admin-active")


def open_admin(app: Any) -> None:
    """``:admin`` and the palette: the team screen, once in the stack."""
    app.open_screen(AdminScreen(), "admin")
