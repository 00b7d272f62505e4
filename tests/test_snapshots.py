"""Snapshot tests of the main screen (synchronous, fixed size, seeded store, no live timings)."""

from __future__ import annotations

from mimo_tui.config import Paths, Settings
from mimo_tui.fake.seed import seed_conversation
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp
from tests.conftest import FROZEN, KEY


def seeded_app(tmp_path) -> MimoApp:
    paths = Paths(tmp_path / "config", tmp_path / "data")
    settings = Settings(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN)
    return MimoApp(runtime, seed_conversation(runtime.store))


async def _open_reasoning(pilot) -> None:
    pilot.app.screen.query_one("PromptInput").cursor_blink = False
    await pilot.press("ctrl+r")
    await pilot.pause()


def test_conversation_with_reasoning_open(snap_compare, tmp_path):
    """A person sees the top bar (title, session id), the user's message, a reasoning panel
    opened by Ctrl+R titled with its tokens and time, the Markdown answer with a highlighted
    code block and a list, the reply's meta line (model, tokens, time), the input, and the
    status line with the session's token totals."""
    assert snap_compare(seeded_app(tmp_path), terminal_size=(100, 34), run_before=_open_reasoning)
