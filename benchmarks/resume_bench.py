"""`mimo-tui -c` on a long session: process start to the whole first frame (the newest
messages drawn, the input ready) in a real pty, paired with the minimal Textual app like the
start-up benchmark. What it guards: opening a session reads only the page that is shown, so
the first frame does not grow with the history (issue 17: ≤ ×1.5 at 5,000 messages, ≤ ×1.6 at
20,000).

`-c` reopens the session the user last had open: before the measured runs, one visit draws
it and quits with Ctrl+Q, as the user's last run did, and keeps its newest replies' lines
(ui/widgets/kept_lines.py). The measured runs are killed, so each finds what that visit kept.
The first open of a session nobody has drawn yet (nothing kept) is measured too, at 5,000.
"""

from __future__ import annotations

import statistics
import sys
from functools import partial

from benchmarks.common import Result, seed_long_session, temp_paths
from benchmarks.startup_bench import paired, pty_env, visit
from mimo_tui.store import Store

TARGETS = {1_000: 1.5, 5_000: 1.5, 20_000: 1.6}


def _measure(size: int, repeat: int, cold: bool = False) -> list[Result]:
    paths = temp_paths()
    store = Store(paths.store_file)
    sid = seed_long_session(store, size)
    last = store.message(store.last_id(sid, "user") or 0)
    kept = store.kept_lines_file
    store.close()
    assert last is not None and kept is not None
    # The top bar's title, a line of the newest reply, the input's border and its footer keys.
    n = last.content.split(":")[0].rsplit(" ", 1)[1]  # "Question number 3999: ..."
    ready = (b"Long session (", f"first point about {n}".encode(), b"\xe2\x95\xad", b"Newline")
    argv = [sys.executable, "-m", "mimo_tui", "-c"]
    env = pty_env(paths)
    visit(argv, ready, env)
    assert kept.exists(), "the visit kept no lines"
    results = _results(f"-c, {size:,} messages", *paired(argv, ready, env, repeat), TARGETS[size])
    if cold:
        ours, minimal = paired(argv, ready, env, repeat, before=partial(kept.unlink, True))
        results += _results(f"-c, {size:,} messages, first open (nothing kept)", ours, minimal)
    return results


def _results(
    what: str, ours: list[float], minimal: list[float], target: float | None = None
) -> list[Result]:
    ratios = [o / m for o, m in zip(ours, minimal, strict=True)]
    ratio = statistics.median(ratios)
    return [
        Result("resume", f"{what}: first frame (median)", statistics.median(ours) * 1000, "ms"),
        Result(
            "resume",
            f"{what}: ratio to the minimal app ({len(ratios)} pairs)",
            ratio,
            "x",
            f"<= {target}x" if target else "",
            ratio <= target if target else None,
        ),
    ]


def run(quick: bool = False) -> list[Result]:
    sizes = (1_000, 5_000) if quick else (5_000, 20_000)
    return [r for size in sizes for r in _measure(size, 5 if quick else 11, cold=size == 5_000)]
