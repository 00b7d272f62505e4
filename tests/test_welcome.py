"""An empty chat shows a welcome view: model, thinking, key status, the keys that matter,
and the last sessions to reopen (click or Enter); the first message sent replaces it."""

from __future__ import annotations

from dataclasses import replace

from mimo_tui.fake.seed import seed_history
from mimo_tui.ui.widgets.message import UserMessage
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.welcome import RecentSession, Welcome
from tests.conftest import FROZEN
from tests.tui_helpers import chat, make_app, screen_lines, send, wait_until

SIZE = (100, 34)


def _app(settings, paths):
    app, runtime = make_app(settings, paths)
    seed_history(runtime.store, FROZEN.timestamp())
    return app, runtime


async def test_an_empty_chat_says_what_is_set_up_and_what_to_press(settings, paths):
    app, _ = _app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Welcome to mimo-tui" in text
        assert "mimo-v2.5-pro · OpenAI format" in text
        assert "on · F6 toggles it" in text
        for key in ("send", "newline", "sessions", "settings", "every key"):
            assert key in text
        rows = list(app.screen.query(RecentSession))
        assert len(rows) == 3  # the last three, newest first
        assert "Refactor the store's paging" in str(rows[0].render())
        assert "2 h ago · 14 msgs" in str(rows[0].render())


async def test_without_a_key_the_welcome_says_how_to_set_one(settings, paths):
    app, _ = make_app(replace(settings, api_key=None), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "not set · F5 pastes one" in text
        assert "None yet: this is the first." in text


async def test_a_click_on_a_recent_session_reopens_it(settings, paths):
    app, _ = _app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        target = list(app.screen.query(RecentSession))[1]
        wanted = target.session_id
        assert await pilot.click(target)
        await wait_until(pilot, lambda: chat(app).session_id == wanted)
        assert not app.screen.query(Welcome)
        assert len(app.screen.query(UserMessage)) > 0
        assert isinstance(app.focused, PromptInput)


async def test_up_from_the_input_then_enter_reopens_the_newest_listed(settings, paths):
    app, _ = _app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = list(app.screen.query(RecentSession))
        await pilot.press("up")
        assert app.focused is rows[-1]
        await pilot.press("up")
        assert app.focused is rows[-2]
        await pilot.press("down", "down")
        assert isinstance(app.focused, PromptInput)  # past the last: back to the input
        await pilot.press("up", "up", "enter")
        await wait_until(pilot, lambda: chat(app).session_id == rows[-2].session_id)


async def test_sending_the_first_message_replaces_the_welcome(settings, paths):
    app, _ = _app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await send(pilot, "hello")
        await wait_until(pilot, lambda: bool(app.screen.query(UserMessage)))
        assert not app.screen.query(Welcome)
