"""Command palette (ctrl+p) providers: tickets by ref or words, desk commands, agents."""

from functools import partial

from textual.command import Hit, Hits, Provider

from deskterm.domain.core.refs import RefError, RefKind, looks_like_ref, parse_ref
from deskterm.services.core.errors import DesktermError
from deskterm.services.people import people
from deskterm.services.tickets import tickets
from deskterm.tui.base.card import CardDialog
from deskterm.tui.base.render import safe


class TicketProvider(Provider):
    """Type a ref (``inc42``) or words from a title, caller or service."""

    async def search(self, query: str) -> Hits:
        text = query.strip()
        if len(text) < 2:
            return
        app = self.app
        desk = app.desk  # type: ignore[attr-defined]
        try:
            ref = parse_ref(text)
        except RefError:
            ref = None
        if ref is not None and ref.kind in (RefKind.CHG, RefKind.PRB, RefKind.KE):
            # changes, problems and known errors open through the command line's ref jump
            yield Hit(1.0, f"open {ref}", partial(app._run_command, str(ref)), help="open this record")  # type: ignore[attr-defined]
            return
        exact: str | None = None
        if ref is not None and looks_like_ref(text):
            exact = await self._exact(desk, str(ref))
            if exact is not None:  # the ref as typed comes first, whatever else it prefixes
                yield Hit(1.0, f"open {exact}", partial(app.open_ticket, exact), help="open this ticket")  # type: ignore[attr-defined]
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
                partial(app.open_ticket, row.ref),  # type: ignore[attr-defined]
                help="open this ticket",
            )

    async def _exact(self, desk: object, ref: str) -> str | None:
        import asyncio

        from deskterm.services.tickets import queue

        try:
            return await asyncio.to_thread(queue.ticket_exists, desk, ref)  # type: ignore[arg-type]
        except DesktermError:
            return None

    async def _rows(self, desk: object, text: str) -> list[tickets.TicketRow]:
        import asyncio

        return await asyncio.to_thread(
            tickets.list_tickets, desk, text=text, limit=12, sort="updated", descending=True
        )  # type: ignore[arg-type]


class DeskCommandsProvider(Provider):
    async def search(self, query: str) -> Hits:
        app = self.app
        commands = [
            ("Log a call", "log a new incident or request", app.log_call),  # type: ignore[attr-defined]
            ("Queue", "the ticket queue", partial(app.switch_mode, "queue")),
            ("SLA monitor", "running targets, soonest due first", partial(app.switch_mode, "sla")),
            ("Change board", "RFCs by state, CAB votes, schedule", partial(app.switch_mode, "changes")),
            ("Problems", "problems and the known error database", partial(app.switch_mode, "problems")),
            ("Event console", "live monitoring events", partial(app.switch_mode, "events")),
            ("Shift handover", "the digest, sign-off and acknowledge", partial(app.switch_mode, "handover")),
            ("Service level report", "achievement and breaches", partial(app._run_command, "report")),  # type: ignore[attr-defined]
            ("Reports", "service desk KPIs and CSAT", partial(app._run_command, "reports")),  # type: ignore[attr-defined]
            ("Help", "keys of this screen", app.action_help),  # type: ignore[attr-defined]
            ("Quit", "leave deskterm", app.action_quit_desk),  # type: ignore[attr-defined]
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
            agents = await asyncio.to_thread(people.list_agents, self.app.desk)  # type: ignore[attr-defined]
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
