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

from mimo_tui.config import Paths, Settings
from mimo_tui.fake.seed import seed_conversation, seed_history, seed_markdown_showcase
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
# The scenes are the snapshot tests' (tests/scenes.py); `python scripts/screenshots.py` puts
# scripts/ on the path, not the checkout.
sys.path.insert(0, str(ROOT))
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
        runtime = build_runtime(settings, paths, clock=lambda: FROZEN)
        store = runtime.store
        store.clock = lambda: FROZEN.timestamp() - 60
        seed_history(store, FROZEN.timestamp())
        if scene == "markdown":
            session_id = seed_markdown_showcase(store)
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
    await shoot("markdown", (110, 62), nothing, scene="markdown")
    await shoot("markdown-light", (110, 62), nothing, theme="mimo-light", scene="markdown")
    hc = "mimo-high-contrast"
    await shoot("markdown-high-contrast", (110, 62), nothing, theme=hc, scene="markdown")
    await shoot("welcome", (110, 30), nothing, scene="new")
    await shoot("sessions-80x24", (80, 24), sessions_open, tools=True)
    await shoot("sources", (110, 30), sources_shown, scene="new")


if __name__ == "__main__":
    asyncio.run(main())
