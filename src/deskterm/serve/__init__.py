"""Serving the desk to agents who have nothing but a client: ``deskterm serve ssh``.

The server authenticates agents by their SSH keys and runs, per session, the ordinary deskterm
(the TUI in a pseudo-terminal, or one CLI command) as a process of its own, handed the
authenticated agent. It holds the database credentials alone; it imports services, never the
store, and each session is a separate process, so one session's trouble stays its own.
"""
