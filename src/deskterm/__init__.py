"""deskterm: an ITIL v3 IT service desk that lives in the terminal."""

__version__ = "0.1.0"
