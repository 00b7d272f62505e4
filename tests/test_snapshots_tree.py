"""Snapshots of the conversation tree and the compare view (fixed size, seeded store)."""

from __future__ import annotations

from mimo_tui.config import Paths, Settings
from mimo_tui.fake.seed import COMPARE_QUESTION, seed_branches, seed_compare
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


async def _open_compare(pilot) -> None:
    from mimo_tui.ui.widgets.compare_view import CompareScreen

    pilot.app.screen.query_one("PromptInput").cursor_blink = False
    await pilot.pause()
    pilot.app.push_screen(CompareScreen(pilot.app.compare_candidates, COMPARE_QUESTION))
    await pilot.pause()


def test_compare_view(snap_compare, tmp_path):
    """Over the chat, "Compare 2 replies to: Explain recursion in one sentence." and two
    columns: "thinking on" (framed green: the active one) with its token counts (30
    reasoning) and time, a folded "Reasoning" and its answer; "thinking off" with its
    answer and, under "Diff against candidate 1", the second answer with the words it
    dropped struck through in red and the ones it added in green; a "Keep this" button
    under each column's heading, and Close at the bottom."""
    paths = Paths(tmp_path / "config", tmp_path / "data")
    settings = Settings(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN)
    session_id, candidates = seed_compare(runtime.store)
    app = MimoApp(runtime, session_id)
    app.compare_candidates = candidates
    assert snap_compare(app, terminal_size=(120, 34), run_before=_open_compare)
