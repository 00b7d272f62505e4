"""Snapshot tests of the document-like replies, the welcome view, the session list and the
inspector (synchronous, fixed size, seeded store, frozen clock, no cursor blink)."""

from __future__ import annotations

import pytest

from mimo_tui.config import Paths, Settings
from mimo_tui.fake.seed import seed_conversation, seed_history, seed_markdown_showcase
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp, approve_in_app
from tests.conftest import FROZEN, KEY

ALL_THEMES = pytest.mark.parametrize("theme", ["mimo-dark", "mimo-light", "mimo-high-contrast"])
NEW_CHAT_ID = "5e55100d0099"


pytestmark = pytest.mark.usefixtures("utc")


def app_with(tmp_path, scene: str, theme: str = "mimo-dark") -> MimoApp:
    paths = Paths(tmp_path / "config", tmp_path / "data")
    settings = Settings(api_key=KEY, base_url="http://127.0.0.1:9/v1", theme=theme)
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN, approver=approve_in_app)
    store = runtime.store
    store.clock = lambda: FROZEN.timestamp() - 60  # "1 min ago": fixed, not the real time
    seed_history(store, FROZEN.timestamp())
    if scene == "markdown":
        session_id = seed_markdown_showcase(store)
    elif scene == "new":
        session_id = store.create_session(settings.model, {"api": "openai"}, NEW_CHAT_ID).id
    else:
        session_id = seed_conversation(store, tools=True)
    return MimoApp(runtime, session_id)


def keys(*presses: str):
    async def run(pilot) -> None:
        pilot.app.screen.query_one("PromptInput").cursor_blink = False
        await pilot.pause()
        for key in presses:
            await pilot.press(key)
            await pilot.pause()

    return run


@ALL_THEMES
def test_a_markdown_rich_reply_reads_like_a_document(snap_compare, tmp_path, theme):
    """A reply that uses every element: an h1 in bold over a heavy accent rule, an h2 over
    a thin rule, an h3 in bold (none underlined or link-coloured); the formula as Unicode
    (x = (-b ± √(b² - 4ac))/(2a)); two code blocks on a tinted background in rounded frames
    labelled `1 · python` / `2 · bash` with `y1 copy` / `y2 copy` on the right; inline code
    on its own tint; a table with a rounded border and a rule under its header; a quote
    behind a coloured bar; a task list with ☑ and ☐; an underlined link; a thin rule."""
    app = app_with(tmp_path, "markdown", theme)
    assert snap_compare(app, terminal_size=(100, 62), run_before=keys())


@pytest.mark.parametrize("theme", ["mimo-dark", "mimo-light"])
def test_the_welcome_view_of_an_empty_chat(snap_compare, tmp_path, theme):
    """A new chat: a rounded box titled "Welcome to mimo-tui" with the model and its wire
    format, thinking on (F6 toggles it), the key status (set), the five keys (send,
    newline, sessions, settings, every key), and three recent sessions with their
    relative dates and message counts (2 h ago, Sun, Sat)."""
    app = app_with(tmp_path, "new", theme)
    assert snap_compare(app, terminal_size=(100, 30), run_before=keys())


def test_the_session_list_at_120_columns_one_line_each(snap_compare, tmp_path):
    """F4 at 120 columns: a wide sidebar, one line per session with its title, relative
    date (1 min ago, 2 h ago, Sun, Sat, 22 Apr), message count, tokens, a model
    badge (v2.5-pro, v2.5, v2-flash) and a format badge (OpenAI, Anthropic); the open
    session is marked ● and highlighted."""
    app = app_with(tmp_path, "seeded")
    assert snap_compare(app, terminal_size=(120, 30), run_before=keys("f4"))


def test_the_session_list_at_80_columns_two_lines_each(snap_compare, tmp_path):
    """F4 at 80 columns: the list takes the screen; each session is two lines (title with
    its date on the right, then counts and badges indented), nothing wrapped to column 0."""
    app = app_with(tmp_path, "seeded")
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys("f4"))


@pytest.mark.parametrize("theme", ["mimo-dark", "mimo-high-contrast"])
def test_the_inspector_lists_calls_above_the_selected_calls_details(snap_compare, tmp_path, theme):
    """F3 at 140 columns: the inspector beside the conversation; its table (status icon,
    round, # in the round, tool, status, time) as tall as its one row, and below it the
    call's details: `current_time · done · round 1, call 1`, command, exit code, arguments,
    result, request and response JSON."""
    app = app_with(tmp_path, "seeded", theme)
    assert snap_compare(app, terminal_size=(140, 40), run_before=keys("f3"))
