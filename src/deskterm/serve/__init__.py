"""``deskterm serve``: the desk offered over the network by one process that alone holds the
database credentials (an event receiver for monitoring, the wallboard in a browser).

This layer sits between the CLI (which parses the command line) and the services: it owns the
sockets and the protocols, and reaches the desk only through the services, like the TUI.
"""
