"""``python -m bench.soak`` (``make soak``): run the soak, print its figures, write its section."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import bench.soak
from bench.report import PERFORMANCE, write_section
from bench.soak.reporting import report, section
from bench.soak.results import run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=(bench.soak.__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="how long, after the warm-up")
    parser.add_argument("--users", type=int, default=64, help="people at once")
    parser.add_argument("--warm-up", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--seed", type=int, default=None, help="for the same answers again")
    parser.add_argument("--output", type=Path, default=PERFORMANCE, help="the Markdown file")
    parser.add_argument("--no-write", action="store_true", help="only print the figures")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        outcome = run(Path(folder), args.users, args.seconds, args.warm_up, args.seed)
    print(report(outcome))
    if not args.no_write:
        command = f"python -m bench.soak --seconds {args.seconds:g} --users {args.users}"
        if args.warm_up != 5.0:
            command += f" --warm-up {args.warm_up:g}"
        write_section("soak", section(outcome, command), args.output)
        print(f"Written to {os.path.relpath(args.output)}")
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
