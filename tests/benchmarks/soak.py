"""The key monkey as a soak: ``python -m tests.benchmarks.soak [--minutes M] [--keys K] [--seed N]``.

Runs ``tests/tui/test_monkey.py`` (a seeded random walk of keys through the seeded desk, in
Pilot) again and again with random seeds until ``--minutes`` have passed, or once per ``--seed``
given. Each walk is its own pytest process, so a crash or a hang in one walk never hides the
next. Prints one line per walk and, for every failure, the seed and the command that replays it
(``pytest tests/tui/test_monkey.py --monkey-seed N --monkey-keys K``) with the end of its report.
Exit status 0 only when every walk passed.
"""

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TAIL = 60  # lines of a failing walk's report to print


def walk(seed: int, keys: int, timeout: float) -> tuple[bool, float, str]:
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-s",
        "tests/tui/test_monkey.py", "--monkey-seed", str(seed), "--monkey-keys", str(keys),
    ]  # fmt: skip
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        out = (
            (exc.stdout or b"").decode(errors="replace")
            if isinstance(exc.stdout, bytes)
            else exc.stdout or ""
        )
        return False, time.monotonic() - started, f"{out}\nthe walk did not finish within {timeout:.0f} s"
    return done.returncode == 0, time.monotonic() - started, done.stdout + done.stderr


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks.soak", description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=10.0, help="keep walking with random seeds this long")
    p.add_argument("--keys", type=int, default=5000, help="keys per walk (default 5000)")
    p.add_argument("--seed", type=int, action="append", default=[], help="walk these seeds only (repeatable)")
    p.add_argument("--walk-timeout", type=float, default=1800.0, help="seconds before a walk counts as hung")
    args = p.parse_args(argv)

    deadline = time.monotonic() + args.minutes * 60
    seeds = list(args.seed)
    source = random.SystemRandom()
    failed: list[int] = []
    count = 0
    while True:
        if seeds:
            seed = seeds.pop(0)
        elif args.seed or (count and time.monotonic() > deadline):
            break
        else:
            seed = source.randrange(1, 2**31)
        count += 1
        ok, took, report = walk(seed, args.keys, args.walk_timeout)
        print(
            f"walk {count}: seed {seed}, {args.keys} keys, {took:.0f} s: {'ok' if ok else 'FAILED'}",
            flush=True,
        )
        if not ok:
            failed.append(seed)
            print("\n".join(report.rstrip().splitlines()[-TAIL:]), flush=True)
            print(
                f"replay: pytest tests/tui/test_monkey.py --monkey-seed {seed} --monkey-keys {args.keys}\n",
                flush=True,
            )
    print(
        f"{count} walks, {len(failed)} failed" + (f": seeds {' '.join(map(str, failed))}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
