"""Snapshot tests of the main screens (synchronous, fixed size, seeded store, no live timings)."""

from __future__ import annotations

import pytest

from mimo_tui.config import Paths, Settings
from mimo_tui.fake.seed import sample_approval, seed_conversation
from mimo_tui.runtime import build_runtime
from mimo_tui.tool_runner import ApprovalRequest
from mimo_tui.tools import BUILTINS
from mimo_tui.ui.app import MimoApp, approve_in_app
from mimo_tui.ui.widgets.approval import ApprovalScreen
from tests.conftest import FROZEN, KEY

THEMES = pytest.mark.parametrize("theme", ["mimo-dark", "mimo-light"])


def seeded_app(tmp_path, tools: bool = False, theme: str = "mimo-dark") -> MimoApp:
    paths = Paths(tmp_path / "config", tmp_path / "data")
    settings = Settings(api_key=KEY, base_url="http://127.0.0.1:9/v1", theme=theme)
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN, approver=approve_in_app)
    return MimoApp(runtime, seed_conversation(runtime.store, tools=tools))


async def _steady(pilot) -> None:
    pilot.app.screen.query_one("PromptInput").cursor_blink = False
    await pilot.pause()


async def _open_reasoning(pilot) -> None:
    await _steady(pilot)
    await pilot.press("ctrl+r")
    await pilot.pause()


@THEMES
def test_conversation_with_reasoning_open(snap_compare, tmp_path, theme):
    """A person sees the top bar (title, session id), the user's message, a reasoning panel
    opened by Ctrl+R titled with its tokens and time, the Markdown answer with a highlighted
    code block and a list, the reply's meta line (model, tokens, time), the input, and the
    status line with the session's token totals."""
    app = seeded_app(tmp_path, theme=theme)
    assert snap_compare(app, terminal_size=(100, 34), run_before=_open_reasoning)


async def _open_inspector(pilot) -> None:
    await _steady(pilot)
    await pilot.press("f3")
    await pilot.pause()


@THEMES
def test_inspector_beside_the_conversation(snap_compare, tmp_path, theme):
    """Wide terminal: the conversation on the left with a tool-call line (✓ current_time ·
    done), and the inspector on the right listing the call (status, round, name, time) with
    its command, exit code, arguments, result, and the request and response JSON."""
    app = seeded_app(tmp_path, tools=True, theme=theme)
    assert snap_compare(app, terminal_size=(150, 44), run_before=_open_inspector)


async def _show_approval(pilot) -> None:
    await _steady(pilot)
    record, pretty = sample_approval()
    pilot.app.push_screen(ApprovalScreen(ApprovalRequest(record, BUILTINS["read_file"], pretty)))
    await pilot.pause()


@THEMES
def test_tool_approval_modal(snap_compare, tmp_path, theme):
    """A modal over the chat asks to run read_file: its source and timeout, the exact
    command, the arguments as JSON, and buttons Run [r], Always [a], Edit [e],
    Type result [t], Deny [d]."""
    app = seeded_app(tmp_path, theme=theme)
    assert snap_compare(app, terminal_size=(100, 34), run_before=_show_approval)


async def _show_help(pilot) -> None:
    await _steady(pilot)
    await pilot.press("f1")
    await pilot.pause()


@THEMES
def test_help_screen(snap_compare, tmp_path, theme):
    """F1 over the chat: every binding grouped by where it applies (Everywhere, Chat,
    Message box, A focused message, ...), each with its key, what it does and its id for
    config.toml's [keys] table, and how to rebind one."""
    app = seeded_app(tmp_path, theme=theme)
    assert snap_compare(app, terminal_size=(100, 40), run_before=_show_help)
