"""``python -m deskterm`` runs the same entry point as the ``deskterm`` script."""

from deskterm.cli.main import main

raise SystemExit(main())
