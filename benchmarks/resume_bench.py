"""`mimo-tui -c` on a long session: process start to the whole first frame (the newest
messages drawn, the input ready) in a real pty, paired with the minimal Textual app like the
start-up benchmark. What it guards: opening a session reads only the page that is shown, so
the first frame does not grow with the history (issue 17: ≤ ×1.5 at 5,000 messages, ≤ ×1.6 at
20,000).
"""

from __future__ import annotations

import statistics
import sys

from benchmarks.common import Result, seed_long_session, temp_paths
from benchmarks.startup_bench import paired, pty_env
from mimo_tui.store import Store

TARGETS = {1_000: 1.5, 5_000: 1.5, 20_000: 1.6}


def _measure(size: int, repeat: int) -> list[Result]:
    paths = temp_paths()
    store = Store(paths.store_file)
    sid = seed_long_session(store, size)
    last = store.message(store.last_id(sid, "user") or 0)
    store.close()
    assert last is not None
    # The top bar's title, a line of the newest reply, the input's border and its footer keys.
    n = last.content.split(":")[0].rsplit(" ", 1)[1]  # "Question number 3999: ..."
    ready = (b"Long session (", f"first point about {n}".encode(), b"\xe2\x95\xad", b"Newline")
    argv = [sys.executable, "-m", "mimo_tui", "-c"]
    ours, minimal = paired(argv, ready, pty_env(paths), repeat)
    ratios = [o / m for o, m in zip(ours, minimal, strict=True)]
    ratio = statistics.median(ratios)
    target = TARGETS[size]
    return [
        Result(
            "resume",
            f"-c, {size:,} messages: first frame (median)",
            statistics.median(ours) * 1000,
            "ms",
        ),
        Result(
            "resume",
            f"-c, {size:,} messages: ratio to the minimal app ({repeat} pairs)",
            ratio,
            "x",
            f"<= {target}x",
            ratio <= target,
        ),
    ]


def run(quick: bool = False) -> list[Result]:
    sizes = (1_000, 5_000) if quick else (5_000, 20_000)
    return [r for size in sizes for r in _measure(size, 5 if quick else 11)]
