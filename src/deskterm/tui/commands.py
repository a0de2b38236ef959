"""Command palette (ctrl+p) providers: tickets by ref or words, desk commands, agents."""

from collections.abc import Callable
from functools import partial

from textual.command import Hit, Hits, Provider

from deskterm.domain.core.refs import RefError, RefKind, looks_like_ref, parse_ref
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import DesktermError
from deskterm.services.core.views import TicketRow
from deskterm.services.people import people
from deskterm.services.tickets import tickets
from deskterm.tui.base.card import CardDialog
from deskterm.tui.base.desk_app import desk_app
from deskterm.tui.base.render import safe


class TicketProvider(Provider):
    """Type a ref (``inc42``) or words from a title, caller or service."""

    async def search(self, query: str) -> Hits:
        text = query.strip()
        if len(text) < 2:
            return
        app = self.app
        desk = desk_app(app).desk
        try:
            ref = parse_ref(text)
        except RefError:
            ref = None
        if ref is not None and ref.kind in (RefKind.CHG, RefKind.PRB, RefKind.KE):
            # changes, problems and known errors open through the command line's ref jump
            yield Hit(
                1.0, f"open {ref}", partial(desk_app(app).run_command, str(ref)), help="open this record"
            )
            return
        exact: str | None = None
        if ref is not None and looks_like_ref(text):
            exact = await self._exact(desk, str(ref))
            if exact is not None:  # the ref as typed comes first, whatever else it prefixes
                yield Hit(
                    1.0, f"open {exact}", partial(desk_app(app).open_ticket, exact), help="open this ticket"
                )
        try:
            rows = await self._rows(desk, text)
        except DesktermError:
            return
        matcher = self.matcher(text)
        for row in rows:
            if row.ref == exact:
                continue
            label = f"{row.ref} {row.priority.value} {row.status.value} {row.title}"
            score = 0.9 if looks_like_ref(text) else max(matcher.match(label), 0.5)
            yield Hit(
                score,
                safe(label),
                partial(desk_app(app).open_ticket, row.ref),
                help="open this ticket",
            )

    async def _exact(self, desk: Desk, ref: str) -> str | None:
        import asyncio

        from deskterm.services.tickets import queue

        try:
            return await asyncio.to_thread(queue.ticket_exists, desk, ref)
        except DesktermError:
            return None

    async def _rows(self, desk: Desk, text: str) -> list[TicketRow]:
        import asyncio

        return await asyncio.to_thread(
            tickets.list_tickets, desk, text=text, limit=12, sort="updated", descending=True
        )


class DeskCommandsProvider(Provider):
    async def search(self, query: str) -> Hits:
        desk = desk_app(self.screen)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Log a call", "log a new incident or request", desk.log_call),
            ("Queue", "the ticket queue", partial(desk.action_mode, "queue")),
            ("SLA monitor", "running targets, soonest due first", partial(desk.action_mode, "sla")),
            ("Change board", "RFCs by state, CAB votes, schedule", partial(desk.action_mode, "changes")),
            ("Problems", "problems and the known error database", partial(desk.action_mode, "problems")),
            ("Event console", "live monitoring events", partial(desk.action_mode, "events")),
            ("Shift handover", "the digest, sign-off and acknowledge", partial(desk.action_mode, "handover")),
            ("Service level report", "achievement and breaches", partial(desk.run_command, "report")),
            ("Reports", "service desk KPIs and CSAT", partial(desk.run_command, "reports")),
            ("Team admin", "agents, roles and groups", partial(desk.run_command, "admin")),
            ("Help", "keys of this screen", desk.action_help),
            ("Quit", "leave deskterm", desk.action_quit_desk),
        ]
        matcher = self.matcher(query)
        for name, help_text, callback in commands:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class AgentProvider(Provider):
    """Agents by login or name: shows how to reach them (groups, phone, email)."""

    async def search(self, query: str) -> Hits:
        import asyncio

        text = query.strip().lower()
        if len(text) < 2:
            return
        try:
            agents = await asyncio.to_thread(people.list_agents, desk_app(self.screen).desk)
        except DesktermError:
            return
        matcher = self.matcher(text)
        for agent in agents:
            label = f"{agent.login} · {agent.display_name}"
            score = matcher.match(label)
            if score > 0:
                lines = [
                    ("name", agent.display_name),
                    ("groups", ", ".join(agent.groups) or "no group"),
                    ("phone", agent.phone or ""),
                    ("email", agent.email or ""),
                ]
                card = CardDialog(f"Agent {agent.login}", lines)
                yield Hit(
                    score,
                    safe(label),
                    partial(self.app.push_screen, card),
                    help="agent: groups, phone, email",
                )
