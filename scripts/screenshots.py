"""Regenerate screenshots/*.svg from the app at fixed sizes (seeded store, frozen clock).

Run: python scripts/screenshots.py   (then `rsvg-convert` a file to PNG to look at it)
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from mimo_tui.config import Paths, Settings
from mimo_tui.fake.seed import seed_conversation
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp

OUT = Path(__file__).resolve().parent.parent / "screenshots"
FROZEN = datetime(2026, 5, 12, 9, 30, tzinfo=timezone(timedelta(hours=8)))


async def conversation(size: tuple[int, int], name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp) / "config", Path(tmp) / "data")
        settings = Settings(api_key="demo", base_url="http://127.0.0.1:9/v1", demo=False)
        runtime = build_runtime(settings, paths, clock=lambda: FROZEN)
        app = MimoApp(runtime, seed_conversation(runtime.store))
        async with app.run_test(size=size) as pilot:
            app.screen.query_one("PromptInput").cursor_blink = False
            await pilot.press("ctrl+r")
            await pilot.pause()
            app.save_screenshot(f"{name}.svg", str(OUT))
        runtime.close()
    print(f"wrote {OUT / name}.svg")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    await conversation((110, 34), "conversation")
    await conversation((80, 24), "conversation-80x24")


if __name__ == "__main__":
    asyncio.run(main())
