"""A store of 1,000,000 messages in 100,000 sessions (see big_store.py): opening it, listing
every session, a two-character search, and a new chat's first frame with it as the store
(paired with the minimal Textual app, from bytecode, like the start-up benchmark)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from benchmarks.big_store import SESSIONS, big_store
from benchmarks.common import Result, median_ms, temp_paths
from benchmarks.startup_bench import READY, paired, pty_env
from mimo_tui.store import Store


def _in_process(path: Path) -> list[Result]:
    out = []
    opened = median_ms(lambda: Store(path).close())
    out.append(Result("big store", "open the 1,000,000-message store", opened, "ms"))
    store = Store(path)
    everything = median_ms(lambda: store.list_sessions(limit=SESSIONS + 10), repeat=3)
    out.append(
        Result(
            "big store",
            f"list all {SESSIONS:,} sessions",
            everything,
            "ms",
            "< 300 ms",
            everything < 300,
        )
    )
    for query, what in (("zq", "absent"), ("世界", "Chinese"), ("wa", "common")):
        assert (query == "zq") != bool(store.search(query)), query
        took = median_ms(lambda q=query: store.search(q, limit=50))
        out.append(
            Result(
                "big store",
                f"2-character search ({what}: {query}), 1,000,000 messages",
                took,
                "ms",
                "< 100 ms",
                took < 100,
            )
        )
    store.close()
    return out


def _first_frame(path: Path, quick: bool) -> list[Result]:
    """A new chat's first frame with the big store, paired with the minimal app."""
    paths = temp_paths()
    big_store(paths.store_file)
    argv = [sys.executable, "-m", "mimo_tui"]
    ours, minimal = paired(argv, READY, pty_env(paths), 5 if quick else 11)
    ratio = statistics.median(o / m for o, m in zip(ours, minimal, strict=True))
    return [
        Result(
            "big store",
            "new chat, first frame with a 1,000,000-message store (median)",
            statistics.median(ours) * 1000,
            "ms",
        ),
        Result(
            "big store",
            f"ratio to the minimal app ({len(ours)} pairs)",
            ratio,
            "x",
            "<= 1.35x",
            ratio <= 1.35,
        ),
    ]


def run(quick: bool = False) -> list[Result]:
    start = time.perf_counter()
    path = big_store(temp_paths().store_file)
    print(f"    store ready in {time.perf_counter() - start:.1f} s", flush=True)
    return _in_process(path) + _first_frame(path, quick)
