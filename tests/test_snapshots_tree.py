"""Snapshot of the conversation tree (synchronous, fixed size, seeded store)."""

from __future__ import annotations

from mimo_tui.config import Paths, Settings
from mimo_tui.fake.seed import seed_branches
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp
from tests.conftest import FROZEN, KEY


async def _open_tree(pilot) -> None:
    pilot.app.screen.query_one("PromptInput").cursor_blink = False
    await pilot.pause()
    await pilot.press("ctrl+l")
    await pilot.pause()
    for _ in range(500):  # the tree opens from a worker: bounded wait for it
        if type(pilot.app.screen).__name__ == "BranchTree":
            break
        await pilot.pause(0.02)
    await pilot.pause()


def test_conversation_tree(snap_compare, tmp_path):
    """Over the chat, a framed "Conversation tree": branch point 1 (at the start) lists the
    Python greeting question (● active, highlighted green) and its Rust edit (○); branch point
    2 (after "What time is it in Beijing?") lists the tool-call reply with the 09:30 answer
    (● active) and the regenerated reply without a tool (○); the first alternative is
    highlighted, a hint line explains ● / Enter / Escape, and the buttons "Switch to branch"
    and "Close" sit at the bottom."""
    paths = Paths(tmp_path / "config", tmp_path / "data")
    settings = Settings(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN)
    app = MimoApp(runtime, seed_branches(runtime.store))
    assert snap_compare(app, terminal_size=(110, 34), run_before=_open_tree)
