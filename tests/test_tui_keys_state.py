"""Keys follow the state, in the footer and in F1's help: the offline demo (F2) only without
a key, retry (F5) only with one; without a key F5 pastes one instead."""

from __future__ import annotations

import stat
from dataclasses import replace

from mimo_tui.ui.widgets.dialogs import TextPrompt
from mimo_tui.ui.widgets.help import HelpScreen
from tests.conftest import KEY
from tests.tui_helpers import chat, make_app, screen_lines, send, wait_until

SIZE = (120, 40)


async def help_rows(pilot) -> dict[str, str]:
    """F1's table as {binding id: what it does}, as the user sees it now."""
    await pilot.press("f1")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
    groups = pilot.app.screen.rows()
    rows = {str(i): str(d) for _, place in groups for _, d, i in place if str(i)}
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HelpScreen))
    return rows


async def test_with_a_key_help_offers_retry_and_no_offline_demo(settings, paths, fake):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        rows = await help_rows(pilot)
        assert "chat.demo" not in rows and "chat.set_key" not in rows
        assert rows["chat.retry"] == "Retry"
        assert "Offline demo" not in screen_lines(app)[-1]
    runtime.close()


async def test_without_a_key_help_offers_the_demo_and_pasting_a_key_not_retry(settings, paths):
    app, runtime = make_app(replace(settings, api_key=None), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = await help_rows(pilot)
        assert "chat.retry" not in rows
        assert rows["chat.demo"] == "Offline demo" and rows["chat.set_key"] == "Paste API key"
        footer = screen_lines(app)[-1]
        assert "f5 Paste API key" in footer and "f2 Offline demo" in footer
        await pilot.press("f5")  # not a retry: nothing to send it with
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        assert not [w for w in app.workers if w.group == "turn"]  # no turn started
    runtime.close()


async def test_retry_is_dimmed_in_help_while_a_reply_streams(settings, paths, fake):
    from mimo_tui.fake.scenarios import scenario

    fake.queue(scenario("text", stall_after=2))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await wait_until(pilot, lambda: app.screen.busy)
        rows = await help_rows(pilot)
        assert rows["chat.retry"] == "Retry (not now)"
        await pilot.press("escape")
        await app.workers.wait_for_complete()
    runtime.close()


async def test_a_key_pasted_in_the_app_is_stored_0600_and_used(settings, paths, fake):
    fake.queue("text")
    app, _ = make_app(replace(settings, api_key=None), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        prompt = await _prompt(pilot)
        prompt.query_one("Input").insert_text_at_cursor(KEY)  # as a paste would
        await pilot.pause()
        assert not any(KEY in line for line in screen_lines(app))  # shown as dots
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.runtime.has_key)
        assert paths.key_file.read_text().strip() == KEY
        assert stat.S_IMODE(paths.key_file.stat().st_mode) == 0o600
        await pilot.pause()
        footer = screen_lines(app)[-1]
        assert "Paste API key" not in footer and "Offline demo" not in footer
        await send(pilot, "hello with a key")
        await app.workers.wait_for_complete()
        (request,) = fake.chat_requests()
        assert request.body["messages"][-1]["content"] == "hello with a key"
    app.runtime.close()


async def test_after_a_rejected_key_the_palette_takes_a_new_one(settings, paths, fake):
    """A 401 with a wrong key: F5 only retries, so the palette's *Set API key* is the way to
    put the right one in without leaving the app; the next message goes with it."""
    from tests.test_tui_compact import palette

    app, _ = make_app(replace(settings, api_key="sk-wrong-key-0000"), paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: "API key was rejected" in "\n".join(screen_lines(app)))
        await palette(pilot, "Set API key")
        prompt = await _prompt(pilot)
        prompt.query_one("Input").insert_text_at_cursor(KEY)
        await pilot.press("enter")
        await wait_until(pilot, lambda: paths.key_file.exists())
        await wait_until(pilot, lambda: not isinstance(app.screen, TextPrompt))
        await send(pilot, "hello with the right key")
        await app.workers.wait_for_complete()
        assert fake.chat_requests()[-1].body["messages"][-1]["content"] == (
            "hello with the right key"
        )
        await wait_until(pilot, lambda: not app.screen.busy)
        last = app.runtime.store.messages(app.screen.session_id)[-1]
        assert last.role == "assistant" and last.status == "complete"
    app.runtime.close()


async def _prompt(pilot) -> TextPrompt:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TextPrompt))
    return pilot.app.screen


async def test_help_dims_keys_with_nothing_to_do_now_but_lists_them(settings, paths, fake):
    """Escape cancels nothing while idle: the footer leaves it out, the help still lists it."""
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        assert "esc " not in screen_lines(app)[-1]
        rows = await help_rows(pilot)
        assert rows["chat.cancel"] == "Cancel (not now)"
    runtime.close()


async def test_a_pasted_key_with_a_space_keeps_the_dialog_open_to_paste_again(
    settings, paths, fake
):
    """F5, a paste that caught a space: the dialog stays, says why, and the next paste
    (the key alone) is stored; nothing was written in between."""
    app, _ = make_app(replace(settings, api_key=None), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        prompt = await _prompt(pilot)
        field = prompt.query_one("Input")
        field.insert_text_at_cursor("sk-abc def")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt and not paths.key_file.exists()
        assert "A key has no spaces" in str(prompt.query_one("#problem").render())
        field.value = ""
        field.insert_text_at_cursor(KEY)
        await pilot.click("#ok")
        await wait_until(pilot, lambda: app.runtime.has_key)
        assert paths.key_file.read_text().strip() == KEY


async def test_the_footer_says_what_escape_does_now(settings, paths, fake):
    """One key, three jobs: the footer names the one Escape does as things stand, Back on
    a focused message, Close with the inspector open, Stop while a reply streams."""
    from mimo_tui.fake.scenarios import scenario
    from mimo_tui.fake.seed import seed_conversation

    app, runtime = make_app(settings, paths)
    seeded = seed_conversation(runtime.store, tools=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await chat(app).open_session(seeded)
        await pilot.pause()
        await pilot.press("up")
        await wait_until(pilot, lambda: "esc Back" in screen_lines(app)[-1])
        await pilot.press("f3")
        await wait_until(pilot, lambda: "esc Close" in screen_lines(app)[-1])
        await pilot.press("escape")
        await wait_until(pilot, lambda: "esc Close" not in screen_lines(app)[-1])
        fake.queue(scenario("text", stall_after=2))
        await send(pilot, "hi")
        await wait_until(pilot, lambda: "esc Stop" in screen_lines(app)[-1])
        await pilot.press("escape")
        await app.workers.wait_for_complete()
    runtime.close()


async def test_after_escape_stops_a_reply_the_footer_shows_the_idle_keys_again(
    settings, paths, fake
):
    """A reply stopped with Escape ends like one that finished: the footer no longer offers
    `esc Stop` for a reply that is gone, it shows what it showed before sending."""
    from mimo_tui.fake.scenarios import scenario

    fake.queue(scenario("text", stall_after=2))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        idle = screen_lines(app)[-1]
        await send(pilot, "hi")
        await wait_until(pilot, lambda: "esc Stop" in screen_lines(app)[-1])
        await pilot.press("escape")
        await wait_until(pilot, lambda: not chat(app).busy)
        await pilot.pause()
        assert screen_lines(app)[-1] == idle
        assert "esc " not in idle
    runtime.close()


async def test_a_key_pasted_straight_after_f5_goes_into_the_dialog_not_the_input(
    settings, paths, fake
):
    """F5 then a paste in one burst (the paste can arrive before the dialog is up): it is
    the dialog's, never the chat input's, from where Enter would send the key as a message."""
    from textual import events

    from mimo_tui.ui.widgets.prompt_input import PromptInput

    fake.queue("text")
    app, _ = make_app(replace(settings, api_key=None), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.post_message(events.Key("f5", None))
        app.post_message(events.Paste(KEY))
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        box = app.screen.query_one("Input")
        await wait_until(pilot, lambda: box.value == KEY)
        assert chat(app).query_one(PromptInput).text == ""
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.runtime.has_key)
        assert paths.key_file.read_text().strip() == KEY
