"""``deskterm serve``: the desk offered over the network by one process that alone holds the
database credentials: ``serve ssh`` to agents who have nothing but an SSH client, ``serve events``
for monitoring, ``serve web --wall`` for NOC screens.

This layer sits between the CLI (which parses the command line) and the services: it owns the
sockets and the protocols and reaches the desk only through the services, like the TUI. The SSH
server authenticates agents by their keys and runs, per session, the ordinary deskterm (the TUI
in a pseudo-terminal, or one CLI command) as a process of its own, handed the authenticated
agent, so one session's trouble stays its own.
"""
