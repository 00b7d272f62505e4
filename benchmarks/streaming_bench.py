"""Streaming a long reply (reasoning, code blocks, lists, tables) into the chat screen.

(a) as fast as the fake sends, against the bare SDK reading the same stream; (b) paced at
200 tokens/s. Reports total time, the worst event-loop stall, and render lag (a content chunk
handed to the reply widget -> the first screen update composited after that text was
drawn into the reply), p50/p99.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import statistics
import time

from textual.worker import WorkerCancelled

from benchmarks.common import Result, temp_paths
from benchmarks.remote_fake import RemoteFake
from mimo_tui.config import Settings
from mimo_tui.fake.scenarios import Scenario, split_tokens
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp
from mimo_tui.ui.widgets.message import AssistantMessage

KEY = "bench-key"
SECTION = """
## Part {n}

Some prose about part {n}, with `inline code` and **bold** words to render.

```python
def part_{n}(values: list[int]) -> int:
    total = 0
    for value in values:
        total += value * {n}
    return total
```

- item one of part {n}
- item two, a little longer than the first
  - a nested item

| name | value | note |
|------|-------|------|
| a{n} | {n} | first |
| b{n} | {n}0 | second |
"""


def reply(tokens: int) -> Scenario:
    content, n = "", 0
    while len(split_tokens(content)) < tokens:
        content += SECTION.format(n=n)
        n += 1
    reasoning = "Let me think about how to structure this answer. " * max(1, tokens // 100)
    return Scenario(reasoning=reasoning, content=content)


async def _bare_sdk(base_url: str) -> float:
    """Seconds the openai SDK alone takes to read the whole stream (best of two, after a
    warm-up read): the floor the UI is measured against."""
    import openai

    sdk = openai.AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        stream = await sdk.chat.completions.create(
            model="mimo-v2.5-pro", messages=[{"role": "user", "content": "go"}], stream=True
        )
        async for _chunk in stream:
            pass
        times.append(time.perf_counter() - start)
    await sdk.close()
    return min(times[1:])


async def _ui(base_url: str) -> tuple[float, float, list[float]]:
    """(total seconds, worst stall ms, lags ms) streaming the fake's reply into the app,
    headless."""
    from textual.app import App

    received: list[tuple[float, int]] = []
    drawn: list[int] = []  # text handed to the reply's widgets, not composited yet
    shown: list[tuple[float, int]] = []
    totals = {"in": 0, "out": 0}
    original_add, original_take = AssistantMessage.add_content, AssistantMessage._take
    original_display = App._display

    async def add_content(self, text: str) -> None:
        totals["in"] += len(text)
        received.append((time.perf_counter(), totals["in"]))
        await original_add(self, text)

    def take(self) -> tuple[str, str] | None:  # the answer takes what arrived, to draw it
        totals["out"] += self._buffer.size
        taken = original_take(self)
        drawn.append(totals["out"])
        return taken

    def display(self, screen, renderable) -> None:  # the compositor's update, headless
        original_display(self, screen, renderable)
        if renderable is not None and drawn:
            now = time.perf_counter()
            shown.extend((now, n) for n in drawn)
            drawn.clear()

    AssistantMessage.add_content = add_content  # type: ignore[method-assign]
    AssistantMessage._take = take  # type: ignore[method-assign]
    App._display = display  # type: ignore[method-assign]
    stall = 0.0
    done = asyncio.Event()

    async def watchdog() -> None:
        nonlocal stall
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            stall = max(stall, (time.perf_counter() - before - 0.005) * 1000)

    paths = temp_paths()
    runtime = build_runtime(Settings(api_key=KEY, base_url=base_url, max_retries=0), paths)
    app = MimoApp(runtime, runtime.new_session().id)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for worker in list(app.workers):  # the warm-up after the first paint
                with contextlib.suppress(WorkerCancelled):
                    await worker.wait()

            task = asyncio.create_task(watchdog())
            start = time.perf_counter()
            with contextlib.suppress(WorkerCancelled):
                await app.screen.run_turn("go").wait()
            total = time.perf_counter() - start
            done.set()
            await task
    finally:
        AssistantMessage.add_content = original_add  # type: ignore[method-assign]
        AssistantMessage._take = original_take  # type: ignore[method-assign]
        App._display = original_display  # type: ignore[method-assign]
        runtime.close()
    out_marks = [n for _, n in shown]
    lags = []
    for t_in, n_in in received:
        i = bisect.bisect_left(out_marks, n_in)
        if i < len(shown):
            lags.append((shown[i][0] - t_in) * 1000)
    return total, stall, lags


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else 0.0


def run(quick: bool = False) -> list[Result]:
    tokens = 4000 if quick else 20_000
    out: list[Result] = []
    sc = reply(tokens)
    paced = Scenario(reasoning=sc.reasoning, content=sc.content, delay_s=1 / 200)
    with RemoteFake(KEY, sc, sc, sc, sc, paced) as fake:
        sdk = asyncio.run(_bare_sdk(fake.base_url))
        total, stall, lags = asyncio.run(_ui(fake.base_url))
        label = f"{tokens:,} tokens unpaced"
        out += [
            Result("streaming", f"bare SDK reads {label}", sdk * 1000, "ms"),
            Result(
                "streaming",
                f"UI finishes {label}",
                total * 1000,
                "ms",
                f"<= 1.5x SDK (x{total / sdk:.2f})",
                total / sdk <= 1.5,
            ),
            Result("streaming", f"worst stall, {label}", stall, "ms"),
        ]
        total, stall, lags = asyncio.run(_ui(fake.base_url))
        label = f"{tokens:,} tokens at 200 tok/s"
        out += [
            Result("streaming", f"UI total, {label}", total * 1000, "ms"),
            Result(
                "streaming",
                f"render lag p50, {label}",
                statistics.median(lags) if lags else 0,
                "ms",
            ),
            Result(
                "streaming",
                f"render lag p99, {label}",
                _pct(lags, 0.99),
                "ms",
                "< 50 ms",
                _pct(lags, 0.99) < 50,
            ),
            Result("streaming", f"worst stall, {label}", stall, "ms", "< 100 ms", stall < 100),
        ]
    return out
