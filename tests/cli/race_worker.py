"""One ``deskterm`` process of a CLI race: ``python race_worker.py READY GO ARG...``.

It imports the CLI, signals READY, waits for the GO file so that every worker starts the
command at the same instant, and exits with the command's exit code; what it prints is the
command's own stdout and stderr, for the test to check.
"""

import sys
import time
from pathlib import Path

from deskterm.cli.main import main

if __name__ == "__main__":
    ready, go, *argv = sys.argv[1:]
    Path(ready).touch()
    deadline = time.monotonic() + 60
    while not Path(go).exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    sys.exit(main(argv))
