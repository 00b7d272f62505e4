"""Attaching and sending a 5 MB image must not stall the UI: the worst event-loop stall,
headless, from picking the file (read, sniffed, hashed) to the reply's last token (the
image stored, base64-encoded to 6.7 MB and sent), after a text turn has built the client.
The fake runs in its own process."""

from __future__ import annotations

import asyncio
import contextlib
import time

from textual.worker import WorkerCancelled

from benchmarks.common import Result, temp_paths
from benchmarks.remote_fake import RemoteFake
from mimo_tui.config import Settings
from mimo_tui.fake.scenarios import Scenario
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp
from mimo_tui.ui.widgets.attachment_bar import AttachmentBar

KEY = "bench-key"
MB = 1024 * 1024


def _image(size: int) -> bytes:
    """A PNG header and `size` bytes in all (its pixels do not matter to the send path)."""
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x07\x80\x00\x00\x048\x08\x02\x00\x00\x00"
    filler = bytes(range(256)) * (size // 256 + 1)
    return (head + filler)[:size]


async def _ui(base_url: str, size: int) -> tuple[float, float, float]:
    """(worst stall ms while attaching, worst stall ms while sending, total s)."""
    paths = temp_paths()
    image = paths.data_dir.parent / "photo.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(_image(size))
    settings = Settings(api_key=KEY, base_url=base_url, max_retries=0, model="mimo-v2.5")
    runtime = build_runtime(settings, paths)
    app = MimoApp(runtime, runtime.new_session().id)
    stall = {"attach": 0.0, "send": 0.0}
    phase = "attach"
    done = asyncio.Event()

    async def watchdog() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            late = (time.perf_counter() - before - 0.005) * 1000
            stall[phase] = max(stall[phase], late)

    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for worker in list(app.workers):  # the warm-up after the first paint
                with contextlib.suppress(WorkerCancelled):
                    await worker.wait()
            screen = app.screen
            # One text turn first: building the client on the first turn (SSL context,
            # imports) stalls alike with or without an image, and is not what is measured.
            with contextlib.suppress(WorkerCancelled):
                await screen.run_turn("hello").wait()  # type: ignore[attr-defined]
            bar = screen.query_one(AttachmentBar)
            task = asyncio.create_task(watchdog())
            start = time.perf_counter()
            await screen.attach_ref(str(image)).wait()  # type: ignore[attr-defined]
            await pilot.pause()
            phase = "send"
            with contextlib.suppress(WorkerCancelled):
                await screen.run_turn("describe", bar.items()).wait()  # type: ignore[attr-defined]
            total = time.perf_counter() - start
            done.set()
            await task
    finally:
        runtime.close()
    return stall["attach"], stall["send"], total


def run(quick: bool = False) -> list[Result]:
    size = 5 * MB
    reply = Scenario(reasoning="Looking.", content="A picture of noise.", delay_s=0.001)
    with RemoteFake(KEY, reply, reply) as fake:
        attach, send, total = asyncio.run(_ui(fake.base_url, size))
    worst = max(attach, send)
    return [
        Result("attach", "5 MB image: worst stall attaching", attach, "ms"),
        Result("attach", "5 MB image: worst stall sending", send, "ms"),
        Result("attach", "5 MB image: attach + send + reply", total * 1000, "ms"),
        Result("attach", "5 MB image: worst stall", worst, "ms", "< 100 ms", worst < 100),
    ]
