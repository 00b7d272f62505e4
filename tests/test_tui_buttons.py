"""Every button of every modal, clicked with the mouse and pressed with Enter: each does what
its key does. (The approval modal's buttons once did nothing: an un-awaited coroutine.)"""

from __future__ import annotations

import json
import tomllib

import pytest
from textual.widgets import Button, Input, TextArea

from mimo_tui.ui.widgets.approval import ApprovalScreen
from mimo_tui.ui.widgets.dialogs import Confirm, EditText, TextPrompt
from mimo_tui.ui.widgets.message import UserMessage
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.session_list import SessionList
from mimo_tui.ui.widgets.settings import SettingsScreen
from tests.test_tui_history import chat, two_sessions
from tests.test_tui_tools import app_with_tools, ask_call, lines, wait_for_modal
from tests.tui_helpers import make_app, send, wait_until

SIZE = (120, 40)


async def press_button(pilot, button_id: str, how: str) -> None:
    """Click the button, or focus it and press Enter, as a user would."""
    if how == "click":
        assert await pilot.click(f"#{button_id}"), f"#{button_id} was not clicked"
    else:
        pilot.app.screen.query_one(f"#{button_id}", Button).focus()
        await pilot.pause()
        await pilot.press("enter")


async def closed(pilot, kind=ApprovalScreen) -> None:
    """The modal went away (bounded: a dead button fails here instead of hanging the turn)."""
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, kind), timeout=10)


# ---- the approval modal --------------------------------------------------------------------


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_approval_run_button_runs_the_tool(settings, paths, fake, how):
    fake.queue(ask_call(), "thinking_text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "use it")
        modal = await wait_for_modal(pilot)
        if how == "enter":  # the Run button has the focus when the modal opens
            assert modal.focused is modal.query_one("#run", Button)
            await pilot.press("enter")
        else:
            await press_button(pilot, "run", how)
        await closed(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        (line,) = lines(app)
        assert line.record.status == "done"
        assert json.loads(line.record.result)["stdin"] == '{"q": 1}'
    runtime.close()


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_approval_always_button_runs_and_allows_the_tool_from_then_on(
    settings, paths, fake, how
):
    fake.queue(ask_call(), ask_call('{"q": 2}'), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "use it twice")
        await wait_for_modal(pilot)
        await press_button(pilot, "always", how)
        await closed(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        statuses = [line.record.status for line in lines(app)]
        assert statuses == ["done", "done"]  # the second call was not asked about
        assert "echo_argv" in runtime.toolbox.always_allowed
    runtime.close()


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_approval_deny_button_sends_a_refusal(settings, paths, fake, how):
    fake.queue(ask_call(), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "use it")
        await wait_for_modal(pilot)
        await press_button(pilot, "deny", how)
        await closed(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert lines(app)[0].record.status == "denied"
        assert "denied by user" in fake.chat_requests()[1].body["messages"][-1]["content"]
    runtime.close()


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_approval_edit_button_opens_the_arguments_for_editing(settings, paths, fake, how):
    fake.queue(ask_call(), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "use it")
        modal = await wait_for_modal(pilot)
        arguments = modal.query_one("#arguments", TextArea)
        assert arguments.read_only
        await press_button(pilot, "edit", how)
        await pilot.pause()
        assert not arguments.read_only and modal.focused is arguments
        await pilot.press("escape", "d")  # leave the editor, then deny, to end the turn
        await app.workers.wait_for_complete()
    runtime.close()


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_approval_type_result_button_opens_the_manual_result(settings, paths, fake, how):
    fake.queue(ask_call(), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "use it")
        modal = await wait_for_modal(pilot)
        manual = modal.query_one("#manual", TextArea)
        assert not manual.display
        await press_button(pilot, "type_result", how)
        await pilot.pause()
        assert manual.display and modal.focused is manual
        await pilot.press(*"sunny", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        record = lines(app)[0].record
        assert (record.result, record.manual) == ("sunny", True)
    runtime.close()


# ---- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_settings_save_button_saves(settings, paths, fake, how):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        screen = await wait_for_modal(pilot, SettingsScreen)
        screen.query_one("#model", Input).value = "mimo-v2-flash"
        await press_button(pilot, "save", how)
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert runtime.settings.model == "mimo-v2-flash"
    assert tomllib.loads(paths.config_file.read_text())["model"] == "mimo-v2-flash"
    runtime.close()


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_settings_cancel_button_closes_without_saving(settings, paths, fake, how):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        screen = await wait_for_modal(pilot, SettingsScreen)
        screen.query_one("#model", Input).value = "mimo-v2-flash"
        await press_button(pilot, "cancel", how)
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert runtime.settings.model == settings.model
    assert not paths.config_file.exists()
    runtime.close()


# ---- dialogs -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_confirm_yes_button_sends_the_flagged_message(settings, paths, fake, how):
    fake.queue("text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, f"my key is {settings.api_key}")
        await wait_for_modal(pilot, Confirm)
        await press_button(pilot, "yes", how)
        await app.workers.wait_for_complete()
        assert len(fake.chat_requests()) == 1
    runtime.close()


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_confirm_no_button_keeps_the_message_unsent(settings, paths, fake, how):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, f"my key is {settings.api_key}")
        modal = await wait_for_modal(pilot, Confirm)
        if how == "enter":  # "No" has the focus: Enter alone never confirms
            assert modal.focused is modal.query_one("#no", Button)
            await pilot.press("enter")
        else:
            await press_button(pilot, "no", how)
        await wait_until(pilot, lambda: not isinstance(app.screen, Confirm))
        await pilot.pause()
        assert fake.chat_requests() == []
        assert settings.api_key in app.screen.query_one(PromptInput).text
    runtime.close()


async def open_rename(pilot, app, seeded) -> TextPrompt:
    await pilot.press("f4")
    panel = chat(app).query_one(SessionList)
    panel.options.highlighted = [s.id for s in panel.sessions].index(seeded)
    await pilot.press("r")
    return await wait_for_modal(pilot, TextPrompt)


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_text_prompt_ok_button_accepts(settings, paths, fake, how):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        prompt = await open_rename(pilot, app, seeded)
        prompt.query_one(Input).value = "Renamed by button"
        await press_button(pilot, "ok", how)
        await wait_until(
            pilot, lambda: runtime.store.get_session(seeded).title == "Renamed by button"
        )
    runtime.close()


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_text_prompt_cancel_button_cancels(settings, paths, fake, how):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    before = runtime.store.get_session(seeded).title
    async with app.run_test(size=SIZE) as pilot:
        prompt = await open_rename(pilot, app, seeded)
        prompt.query_one(Input).value = "Not this"
        await press_button(pilot, "cancel", how)
        await wait_until(pilot, lambda: not isinstance(app.screen, TextPrompt))
        await pilot.pause()
        assert runtime.store.get_session(seeded).title == before
    runtime.close()


async def open_edit(pilot, app, seeded) -> EditText:
    await chat(app).open_session(seeded)
    list(chat(app).query(UserMessage))[1].focus()
    await pilot.press("e")
    return await wait_for_modal(pilot, EditText)


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_edit_text_send_button_resends(settings, paths, fake, how):
    fake.queue("text")
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_edit(pilot, app, seeded)
        editor.query_one(TextArea).text = "What time is it in Tokyo?"
        await press_button(pilot, "accept", how)
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 1)
        await app.workers.wait_for_complete()
        assert fake.chat_requests()[0].body["messages"][-1]["content"] == (
            "What time is it in Tokyo?"
        )
        assert chat(app).session_id == seeded  # a new branch of the same session
    runtime.close()


@pytest.mark.parametrize("how", ["click", "enter"])
async def test_edit_text_cancel_button_sends_nothing(settings, paths, fake, how):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_edit(pilot, app, seeded)
        editor.query_one(TextArea).text = "Not this"
        await press_button(pilot, "cancel", how)
        await wait_until(pilot, lambda: not isinstance(app.screen, EditText))
        await app.workers.wait_for_complete()
        assert chat(app).session_id == seeded and fake.chat_requests() == []
    runtime.close()


def test_every_modal_button_has_a_test_here():
    """A button added to a modal later needs a test here too: every button id the modals
    declare must be pressed by one of the tests above."""
    import inspect
    import re
    import sys

    from mimo_tui.ui.widgets import approval, dialogs, settings

    declared: set[str] = set()
    for module in (approval, dialogs, settings):
        text = inspect.getsource(module)
        declared |= set(re.findall(r'Button\([^\n]*id="(\w+)"', text))
        declared |= set(re.findall(r'\("(\w+)", [^,()]+, "\w+"\)', text))  # dialogs.buttons()
    tests = inspect.getsource(sys.modules[__name__])
    pressed = set(re.findall(r'press_button\(pilot, "(\w+)"', tests)) | {"run"}
    assert len(declared) >= 11 and declared <= pressed, declared - pressed
