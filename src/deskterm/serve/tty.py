"""The first code of an interactive session's process: take the pseudo-terminal the server
made as the controlling terminal (a session of its own, so a window change reaches it as
SIGWINCH and a hang-up as SIGHUP), then run deskterm as ``python -m deskterm`` would."""

import os
import runpy


def main() -> None:
    os.login_tty(os.dup(0))
    runpy.run_module("deskterm", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
