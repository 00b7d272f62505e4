"""Tool calls in the chat screen when ids repeat, when a tool is stopped, and when the user
edits the arguments: each call line and inspector row shows that call as the store holds it."""

from __future__ import annotations

import json

from textual.widgets import TextArea

from mimo_tui.fake import Scenario
from mimo_tui.ui.widgets.inspector import ToolInspector
from tests.test_tool_ids import THREE_TURNS
from tests.test_tui_tools import app_with_tools, ask_call, chat, lines, rendered, wait_for_modal
from tests.tui_helpers import send, wait_until


def numbers(inspector: ToolInspector) -> list[str]:
    table = inspector.table
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def test_three_turns_reusing_one_call_id_each_keep_their_own_line_and_row(
    settings, paths, fake
):
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(140, 40)) as pilot:
        for n, (text, call) in enumerate(THREE_TURNS, start=1):
            fake.queue(call, Scenario(content=f"Done with {text}."))
            await send(pilot, text)
            await wait_until(pilot, lambda n=n: len(fake.chat_requests()) == 2 * n)
            await app.workers.wait_for_complete()
            await pilot.pause()
        shown = lines(app)
        assert [line.record.status for line in shown] == ["failed", "done", "done"]
        assert "exited with status 1" in shown[0].record.result
        assert [json.loads(line.record.result)["location"] for line in shown[1:]] == [
            "Beijing",
            "Wuhan",
        ]
        assert "✖" in str(shown[0].render()) and shown[0].has_class("-failed")
        await pilot.press("f3")
        inspector = app.screen.query_one(ToolInspector)
        await wait_until(pilot, lambda: inspector.table.row_count == 3)
        assert numbers(inspector) == ["1", "2", "3"]
        statuses = [str(inspector.table.get_row_at(i)[5]) for i in range(3)]
        assert statuses == ["failed", "done", "done"]
        await pilot.click(shown[0])  # the first turn's line opens the first call
        await pilot.pause()
        assert "get_current_weather · failed" in rendered(inspector.detail)
    runtime.close()


async def test_a_reopened_session_lists_every_reused_id_call(settings, paths, fake):
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(140, 40)) as pilot:
        for n, (text, call) in enumerate(THREE_TURNS, start=1):
            fake.queue(call, Scenario(content="ok"))
            await send(pilot, text)
            await wait_until(pilot, lambda n=n: len(fake.chat_requests()) == 2 * n)
            await app.workers.wait_for_complete()
    runtime.close()
    app, runtime = app_with_tools(settings, paths, resume=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f3")
        inspector = app.screen.query_one(ToolInspector)
        await wait_until(pilot, lambda: inspector.table.row_count == 3)
        statuses = [str(inspector.table.get_row_at(i)[5]) for i in range(3)]
        assert statuses == ["failed", "done", "done"]
        assert [line.record.status for line in lines(app)] == ["failed", "done", "done"]
    runtime.close()


async def test_parallel_calls_in_one_round_are_numbered_apart(settings, paths, fake):
    fake.queue("parallel_tool_calls", "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Hebei and Beijing?")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 2)
        await app.workers.wait_for_complete()
        await pilot.press("f3")
        inspector = app.screen.query_one(ToolInspector)
        await wait_until(pilot, lambda: inspector.table.row_count == 2)
        assert numbers(inspector) == ["1", "2"]
    runtime.close()


async def test_a_tool_stopped_with_escape_shows_cancelled(settings, paths, fake):
    fake.queue(ask_call(name="hang"))
    app, runtime = app_with_tools(settings, paths)
    runtime.toolbox.available["hang"] = runtime.toolbox.available["hang"]._replace(timeout_s=60)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "hang please")
        await wait_until(
            pilot, lambda: bool(lines(app)) and lines(app)[0].record.status == "running"
        )
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: lines(app)[0].record.status == "cancelled")
        (line,) = lines(app)
        assert "cancelled" in str(line.render()) and line.has_class("-cancelled")
        await pilot.press("f3")
        inspector = app.screen.query_one(ToolInspector)
        await wait_until(pilot, lambda: inspector.table.row_count == 1)
        assert str(inspector.table.get_row_at(0)[5]) == "cancelled"
    runtime.close()


async def test_edited_arguments_that_are_not_json_are_refused_in_the_modal(settings, paths, fake):
    fake.queue(ask_call('{"q": 1}'), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "use it")
        modal = await wait_for_modal(pilot)
        await pilot.press("e")
        editor = modal.query_one("#arguments", TextArea)
        editor.text = '{"q": 2'
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal  # still open, saying why
        error = modal.query_one("#arguments-error")
        assert error.display and "not valid JSON" in str(error.render())
        assert len(fake.chat_requests()) == 1  # nothing ran, nothing was sent
        editor.text = '{"q": 2}'
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        (line,) = lines(app)
        assert line.record.arguments == '{"q": 2}' and '"q": 2' in str(line.render())
        assert json.loads(line.record.result)["stdin"] == '{"q": 2}'
        replayed = fake.chat_requests()[1].body["messages"][-2]["tool_calls"][0]
        assert replayed["function"]["arguments"] == '{"q": 2}'
        await pilot.click(line)
        await pilot.pause()
        inspector = chat(app).inspector
        assert json.loads(inspector._raw["arguments"]) == {"q": 2}
        assert json.loads(inspector._raw["model_arguments"]) == {"q": 1}
        assert "arguments the model sent" in rendered(inspector.detail)
    runtime.close()
