"""Keys for actions the acting agent may not take are not offered: absent from footer and help.

The services refuse every action the permission table does not allow (and say why); a screen
that offered the key anyway would only lead the agent to that refusal. A screen lists which of
its actions needs which :class:`~deskterm.domain.core.permissions.Action` in ``PERMITTED``; the
acting agent's roles are read once per screen, in a worker (``access.acting``: the roles ``whoami`` shows),
and Textual's ``check_action`` hides what they do not allow. Until the roles are known the
guarded keys stay hidden: offering a key for a moment and taking it back would be worse.

This only hides; the service still decides (a role taken away meanwhile is refused there).
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from textual import events, on
from textual.screen import Screen

from deskterm.domain.core.permissions import Action, Role, allowed
from deskterm.services.core import access
from deskterm.services.core.errors import DesktermError
from deskterm.tui.base.desk_app import alive, desk_app


def action_key(action: str, parameters: tuple[object, ...]) -> str:
    """The action as written in a Binding: ``act('decide')`` for ``act`` with ``('decide',)``."""
    if not parameters:
        return action
    return f"{action}({', '.join(repr(p) for p in parameters)})"


class PermittedActions(Screen[None]):
    """Mix into a screen (first among its bases) and fill ``PERMITTED``.

    ``PERMITTED`` maps an action as bound (``"decide"`` or ``"act('decide')"``) to the
    permission it needs. ``acting_roles`` is None until the worker has read them.
    """

    PERMITTED: ClassVar[Mapping[str, Action]] = {}
    acting_roles: frozenset[Role] | None = None
    acting_login: str = ""

    @on(events.Mount)
    def _read_roles(self) -> None:
        self.read_roles()

    def read_roles(self) -> None:
        """Read the acting agent's roles again (after an edit that may have changed them)."""
        desk = desk_app(self).desk

        def work() -> None:
            try:
                login, roles = access.acting(desk)
            except DesktermError:
                return  # the screen's own reads say what is wrong; the guarded keys stay hidden
            self.app.call_from_thread(alive(self, self._roles_known), login, roles)

        self.run_worker(work, thread=True, exclusive=True, group="acting-roles", exit_on_error=False)

    def _roles_known(self, login: str, roles: frozenset[Role]) -> None:
        self.acting_login = login
        self.acting_roles = roles
        self.refresh_bindings()
        self.roles_known()

    def roles_known(self) -> None:
        """Hook: a screen that shows something by role (read-only mode) updates it here."""

    def may(self, action: Action) -> bool:
        return self.acting_roles is not None and bool(allowed(action, self.acting_roles))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needed = self.PERMITTED.get(action_key(action, parameters)) or self.PERMITTED.get(action)
        if needed is not None and not self.may(needed):
            return False
        return self.check_more(action, parameters)

    def check_more(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        """Hook for a rule that depends on what is highlighted (None greys the key)."""
        return True
