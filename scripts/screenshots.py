"""Regenerate screenshots/*.svg from the app at fixed sizes (seeded store, frozen clock).

Run: python scripts/screenshots.py   (then `rsvg-convert` a file to PNG to look at it)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
# The scenes are the snapshot tests' (tests/scenes.py), and the app is this checkout's:
# `python scripts/screenshots.py` puts scripts/ on the path, not the checkout (an editable
# install elsewhere would be imported instead).
sys.path.insert(0, str(ROOT))
from mimo_tui.config import Paths, Settings  # noqa: E402
from mimo_tui.fake.seed import (  # noqa: E402
    COMPARE_QUESTION,
    seed_branches,
    seed_compare,
    seed_conversation,
    seed_history,
    seed_markdown_showcase,
)
from mimo_tui.runtime import build_runtime  # noqa: E402
from mimo_tui.ui.app import MimoApp, approve_in_app  # noqa: E402
from tests.scenes import (  # noqa: E402
    approval,
    attachments_shown,
    help_open,
    inspector_open,
    nothing,
    reasoning_open,
    search_open,
    sessions_open,
    settings_open,
    sources_shown,
)

FROZEN = datetime(2026, 5, 12, 9, 30, tzinfo=timezone(timedelta(hours=8)))
os.environ["TZ"] = "UTC"  # relative dates count calendar days in local time: pictures in UTC
time.tzset()
Step = Callable[[object], Awaitable[None]]


async def tree_open(pilot) -> None:
    await pilot.press("ctrl+l")
    for _ in range(200):  # the tree opens from a worker
        if type(pilot.app.screen).__name__ == "BranchTree":
            break
        await pilot.pause(0.02)


CANDIDATES: list[object] = []  # the compare scene's, set when it is seeded


async def compare_open(pilot) -> None:
    from mimo_tui.ui.widgets.compare_view import CompareScreen

    pilot.app.push_screen(CompareScreen(CANDIDATES, COMPARE_QUESTION))  # type: ignore[arg-type]


def gradient_png(width: int, height: int) -> bytes:
    """A PNG of a sky-to-road gradient with a blue car-coloured block (so the preview's
    picture shows something)."""
    import struct
    import zlib

    rows = b""
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            sky = (90 + y, 150 + y // 2, 230 - y)
            car = width // 3 < x < width // 2 and height // 2 < y < height * 4 // 5
            row += bytes((30, 80, 200) if car else tuple(min(255, c) for c in sky))
        rows += bytes(row)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + (chunk(b"IEND", b""))
    )


async def attachment_preview(pilot) -> None:
    """Enter on a photo's attachment line: its picture (block characters here; kitty or
    sixel graphics with the images extra), its details and the command that opens it."""
    from mimo_tui import attachments
    from mimo_tui.model import Message
    from mimo_tui.ui.widgets.attachment_view import AttachmentLine
    from tests.media_helpers import wav

    app = pilot.app
    store = app.screen.runtime.store
    session_id = app.screen.session_id
    photo, data = attachments.from_bytes(gradient_png(160, 72), "street-photo.png")
    voice, sound = attachments.from_bytes(wav(24000), "voice-note.wav")
    for a, d in ((photo, data), (voice, sound)):
        store.blobs.put(a.sha256, d)
    store.add_message(
        session_id,
        Message(role="user", content="What colour is the car?", attachments=(photo, voice)),
    )
    await app.screen.load_session(session_id)
    await pilot.pause()
    app.screen.query(AttachmentLine).first().focus()
    await pilot.press("enter")
    for _ in range(50):
        if type(app.screen).__name__ == "AttachmentPreview":
            break
        await pilot.pause(0.02)
    await pilot.pause(0.05)


async def shoot(
    name: str,
    size: tuple[int, int],
    step: Step,
    tools: bool = False,
    theme: str = "mimo-dark",
    cached: bool = False,
    model: str = "mimo-v2.5-pro",
    scene: str = "seeded",
) -> None:
    """`scene`: the seeded conversation, `markdown` (a reply using every element) or
    `new` (an empty chat, so the welcome view); older sessions are seeded for all three."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp) / "config", Path(tmp) / "data")
        settings = Settings(
            api_key="demo", base_url="http://127.0.0.1:9/v1", theme=theme, model=model
        )
        runtime = build_runtime(settings, paths, clock=lambda: FROZEN, approver=approve_in_app)
        store = runtime.store
        store.clock = lambda: FROZEN.timestamp() - 60
        seed_history(store, FROZEN.timestamp())
        if scene == "markdown":
            session_id = seed_markdown_showcase(store)
        elif scene == "branches":
            session_id = seed_branches(store)
        elif scene == "compare":
            session_id, CANDIDATES[:] = seed_compare(store)
        elif scene == "new":
            session_id = store.create_session(settings.model, {"api": "openai"}, "5e55100d0099").id
        else:
            session_id = seed_conversation(store, tools=tools, cached=cached)
        app = MimoApp(runtime, session_id)
        async with app.run_test(size=size) as pilot:
            app.screen.query_one("PromptInput").cursor_blink = False
            await pilot.pause()
            await step(pilot)
            await pilot.pause()
            app.save_screenshot(f"{name}.svg", str(OUT))
        runtime.close()
    print(f"wrote {OUT / name}.svg")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    await shoot("conversation", (110, 34), reasoning_open)
    await shoot("conversation-80x24", (80, 24), reasoning_open)
    await shoot("inspector", (150, 44), inspector_open, tools=True)
    await shoot("tool-approval", (110, 34), approval)
    await shoot("sessions", (120, 34), sessions_open, tools=True)
    await shoot("search", (120, 34), search_open, tools=True)
    await shoot("conversation-light", (110, 34), reasoning_open, theme="mimo-light")
    await shoot("inspector-high-contrast", (150, 44), inspector_open, True, "mimo-high-contrast")
    await shoot("help", (100, 40), help_open)
    await shoot("settings", (110, 40), settings_open)
    await shoot("meter", (150, 34), nothing, tools=True, cached=True)
    await shoot("attachments", (110, 34), attachments_shown, model="mimo-v2.5")
    await shoot("attachment-preview", (110, 34), attachment_preview, model="mimo-v2.5")
    await shoot("markdown", (110, 62), nothing, scene="markdown")
    await shoot("markdown-light", (110, 62), nothing, theme="mimo-light", scene="markdown")
    hc = "mimo-high-contrast"
    await shoot("markdown-high-contrast", (110, 62), nothing, theme=hc, scene="markdown")
    await shoot("welcome", (110, 30), nothing, scene="new")
    await shoot("sessions-80x24", (80, 24), sessions_open, tools=True)
    await shoot("sources", (110, 30), sources_shown, scene="new")
    await shoot("tree", (110, 34), tree_open, scene="branches")
    await shoot("compare", (120, 34), compare_open, scene="compare")


if __name__ == "__main__":
    asyncio.run(main())
