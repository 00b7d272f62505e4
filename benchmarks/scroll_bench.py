"""Long sessions without a reply: first frame, RSS, scrolling to the very top, Home.

`python -m benchmarks scroll` opens a 5,000- and a 50,000-message session headless at
120x40 and reports the first frame with the newest messages shown, the RSS it added,
the time to page from the bottom to the very top (every older page loaded, as scrolling up
does), and the time of the jump to the start of the session (Home).
"""

from __future__ import annotations

import asyncio
import gc
import time

from benchmarks.common import Result, rss_mb, seed_long_session, temp_paths
from mimo_tui.config import Settings
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp
from mimo_tui.ui.chat import ChatScreen

TOP_TARGET_S = {5000: 1.0, 50000: 2.0}


async def _measure(size: int, scroll: bool) -> list[Result]:
    paths = temp_paths()
    runtime = build_runtime(Settings(api_key="bench-key", max_retries=0), paths)
    sid = seed_long_session(runtime.store, size)
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    app = MimoApp(runtime, sid)
    label = f"{size:,} messages"
    out: list[Result] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await pilot.pause()
        first = time.perf_counter() - start
        added = rss_mb() - before
        out.append(Result("scroll", f"first frame, {label}", first * 1000, "ms", "< 500 ms"))
        out[-1].ok = first < 0.5
        out.append(Result("scroll", f"RSS added, {label}", added, "MB", "< 150 MB", added < 150))
        conv = screen.conversation
        load_earlier = getattr(conv, "load_earlier", None) or screen.load_earlier
        if scroll:
            start = time.perf_counter()
            pages = 0
            while await load_earlier():
                pages += 1
            conv.scroll_home(animate=False)
            await pilot.pause()
            top = time.perf_counter() - start
            target = TOP_TARGET_S[size]
            out.append(
                Result(
                    "scroll",
                    f"bottom -> top, {label} ({pages} pages)",
                    top * 1000,
                    "ms",
                    f"< {target * 1000:.0f} ms",
                    top < target,
                )
            )
        jump = getattr(conv, "jump_to_start", None)
        if jump is not None:
            await conv.jump_to_end()
            await pilot.pause()
            start = time.perf_counter()
            await jump()
            await pilot.pause()
            out.append(
                Result("scroll", f"Home jump, {label}", (time.perf_counter() - start) * 1000, "ms")
            )
    runtime.close()
    return out


def run(quick: bool = False, scroll_50k: bool = True) -> list[Result]:
    """Both sessions are paged up to the very top (older pages are added as rows of lines,
    not mounted widgets: HistoryRows); `scroll_50k=False` skips it for the larger one."""
    results: list[Result] = []
    for size in (5000,) if quick else (5000, 50000):
        results += asyncio.run(_measure(size, scroll=size < 50000 or scroll_50k))
    return results
