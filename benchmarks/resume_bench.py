"""`mimo-tui -c` on a long session: process start to the whole first frame (the newest
messages drawn, the input ready) in a real pty, paired with the minimal Textual app like the
start-up benchmark. What it guards: opening a session reads only the page that is shown, so
the first frame does not grow with the history (issue 17: ≤ ×1.5 at 5,000 messages, ≤ ×1.6 at
20,000).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Result, env_for, seed_long_session, temp_paths
from benchmarks.startup_bench import MINIMAL, _time_to
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
    env = env_for(
        paths,
        TERM="xterm-256color",
        MIMO_API_KEY="bench-key",
        MIMO_BASE_URL="http://127.0.0.1:9/v1",
        COLORTERM="truecolor",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # from bytecode, as installed (startup_bench)
    script = Path(tempfile.mkdtemp()) / "minimal.py"
    script.write_text(MINIMAL)
    ours_argv = [sys.executable, "-m", "mimo_tui", "-c"]
    minimal_argv = [sys.executable, str(script)]
    _time_to(ours_argv, ready, env)  # writes the bytecode, warms the page cache
    _time_to(minimal_argv, (b"minimal-ready",), env)
    ours, minimal = [], []
    for i in range(repeat):  # alternating order, compared pair by pair (startup_bench)
        pair = [(ours, ours_argv, ready), (minimal, minimal_argv, (b"minimal-ready",))]
        for times, argv, markers in pair if i % 2 else reversed(pair):
            times.append(_time_to(argv, markers, env))
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
