"""What every main screen shares: the status line on top and the footer of keys below."""

from textual.app import ComposeResult
from textual.screen import Screen

from deskterm.tui.widgets.status_line import StatusLine


class DeskScreen(Screen[None]):
    """A main screen (a mode). Subclasses compose their body in ``compose_body``."""

    def compose(self) -> ComposeResult:
        from textual.widgets import Footer

        yield StatusLine(self.app.desk.short_url)  # type: ignore[attr-defined]
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        line = self.query_one(StatusLine)
        line.pulse = getattr(self.app, "pulse", None)
