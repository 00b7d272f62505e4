"""Run the benchmarks and print one table: `python -m benchmarks [--quick] [name ...]`."""

from __future__ import annotations

import argparse
import importlib
import os
import platform

NAMES = [
    "startup",
    "streaming",
    "long_session",
    "resume",
    "scroll",
    "store",
    "big_store",
    "memory",
    "compaction",
    "attach",
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Benchmark names (all of them when none is given) and --quick."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    # argparse checks a nargs="*" default against `choices` as one value: [] must be allowed.
    parser.add_argument("names", nargs="*", choices=[*NAMES, []], default=[])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args(argv)
    args.names = args.names or NAMES
    return args


def main() -> None:
    args = parse_args()
    rows = []
    for name in args.names:
        module = importlib.import_module(f"benchmarks.{name}_bench")
        print(f"running {name}…", flush=True)
        for result in module.run(quick=args.quick):
            rows.append(result.row())
            print("   ", " | ".join(result.row()), flush=True)
    header = ["benchmark", "metric", "value", "target", ""]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}\n"
    )
    for row in [header, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()
