"""Messages the app posts to its screens."""

from textual.message import Message

from deskterm.services.tickets.queue import Pulse


class DeskChanged(Message):
    """Some ticket changed in the database (this process or another): refresh what you show."""

    def __init__(self, pulse: Pulse) -> None:
        super().__init__()
        self.pulse = pulse
