"""Long sessions: open 1,000 and 5,000-message sessions (reasoning, tool calls) headless.

Reports time to the first frame with the newest messages visible, RSS, time to scroll to
the top (paging older messages in), and the time to stream one more reply there versus in an
empty session.
"""

from __future__ import annotations

import asyncio
import gc
import time

from benchmarks.common import Result, finish, rss_mb, seed_long_session, temp_paths
from mimo_tui.config import Settings
from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import Scenario
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp
from mimo_tui.ui.chat import ChatScreen
from mimo_tui.ui.widgets.message import StoredReply

KEY = "bench-key"
REPLY = Scenario(reasoning="thinking " * 50, content="answer word " * 150)


async def _measure(size: int, fake: FakeMimo) -> list[Result]:
    paths = temp_paths()
    settings = Settings(api_key=KEY, base_url=fake.base_url, max_retries=0)
    runtime = build_runtime(settings, paths)
    sid = seed_long_session(runtime.store, size) if size else runtime.new_session().id
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    app = MimoApp(runtime, sid)
    out: list[Result] = []
    label = f"{size:,} messages" if size else "empty session"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await pilot.pause()
        first = time.perf_counter() - start
        if size:
            out.append(
                Result(
                    "long session",
                    f"first frame, {label}",
                    first * 1000,
                    "ms",
                    "< 500 ms",
                    first < 0.5,
                )
            )
            out.append(
                Result(
                    "long session",
                    f"RSS added, {label}",
                    rss_mb() - before,
                    "MB",
                    "< 300 MB",
                    rss_mb() - before < 300,
                )
            )
            start = time.perf_counter()
            pages = 0
            while await screen.load_earlier():
                pages += 1
            screen.conversation.scroll_home(animate=False)
            await pilot.pause()
            top = time.perf_counter() - start
            out.append(
                Result(
                    "long session", f"scroll to the top, {label} ({pages} pages)", top * 1000, "ms"
                )
            )
        fake.queue(REPLY)
        start = time.perf_counter()
        await finish(screen.run_turn("one more"))
        await pilot.pause()
        stream = time.perf_counter() - start
        assert screen.query(StoredReply).last().message.content == REPLY.content
        out.append(
            Result("long session", f"stream one 200-token reply, {label}", stream * 1000, "ms")
        )
    runtime.close()
    return out


def run(quick: bool = False) -> list[Result]:
    results: list[Result] = []
    with FakeMimo(api_key=KEY) as fake:
        for size in (0, 1000) if quick else (0, 1000, 5000):
            results += asyncio.run(_measure(size, fake))
    return results
