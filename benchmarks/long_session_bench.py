"""Long sessions: open 1,000 and 5,000-message sessions (reasoning, tool calls) headless.

Reports time to the first frame with the newest messages visible, RSS, the cost of one more
reply there versus in an empty session (send -> first token on screen, which includes
replaying the history; first -> last token, the streaming itself), and the time to scroll to
the top (paging older messages in). The fake runs in its own process: in-process it would
parse each 5,000-message request body on the measured process's GIL.
"""

from __future__ import annotations

import asyncio
import gc
import time

from benchmarks.common import Result, finish, rss_mb, seed_long_session, temp_paths
from benchmarks.remote_fake import RemoteFake
from mimo_tui.config import Settings
from mimo_tui.fake.scenarios import Scenario
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp
from mimo_tui.ui.chat import ChatScreen
from mimo_tui.ui.widgets.message import AssistantMessage
from mimo_tui.ui.widgets.stored_reply import StoredReply

KEY = "bench-key"
REPLY = Scenario(reasoning="thinking " * 50, content="answer word " * 150)


async def _one_more_reply(screen: ChatScreen, pilot, label: str) -> list[Result]:
    """Send one message; time to its first token on screen and from there to the end."""
    first: list[float] = []
    original = AssistantMessage.add_reasoning

    async def add_reasoning(self, text: str, seconds: float) -> None:
        if not first:
            first.append(time.perf_counter())
        await original(self, text, seconds)

    AssistantMessage.add_reasoning = add_reasoning  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        await finish(screen.run_turn("one more"))
        await pilot.pause()
        end = time.perf_counter()
    finally:
        AssistantMessage.add_reasoning = original  # type: ignore[method-assign]
    assert screen.query(StoredReply).last().message.content == REPLY.content
    return [
        Result("long session", f"send -> first token, {label}", (first[0] - start) * 1000, "ms"),
        Result("long session", f"first -> last token, {label}", (end - first[0]) * 1000, "ms"),
    ]


async def _measure(size: int, base_url: str) -> list[Result]:
    paths = temp_paths()
    settings = Settings(api_key=KEY, base_url=base_url, max_retries=0)
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
        out += await _one_more_reply(screen, pilot, label)
        if size:
            start = time.perf_counter()
            pages = 0
            while await screen.conversation.load_earlier():
                pages += 1
            screen.conversation.scroll_home(animate=False)
            await pilot.pause()
            top = time.perf_counter() - start
            out.append(
                Result(
                    "long session", f"scroll to the top, {label} ({pages} pages)", top * 1000, "ms"
                )
            )
    runtime.close()
    return out


def run(quick: bool = False) -> list[Result]:
    results: list[Result] = []
    sizes = (0, 1000) if quick else (0, 1000, 5000)
    with RemoteFake(KEY, *[REPLY] * len(sizes)) as fake:
        for size in sizes:
            results += asyncio.run(_measure(size, fake.base_url))
    return results
