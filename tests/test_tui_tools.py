"""Tool calls in the chat screen: the approval modal, the conversation's call lines, the
inspector (side panel or full screen), cancelling a running tool, and choosing tools."""

from __future__ import annotations

import io
import json

from rich.console import Console
from textual.widgets import TextArea

from mimo_tui.fake import Scenario
from mimo_tui.ui.widgets.approval import ApprovalScreen
from mimo_tui.ui.widgets.inspector import ToolInspector
from mimo_tui.ui.widgets.stored_reply import StoredReply
from mimo_tui.ui.widgets.tool_call import ToolCallLine
from mimo_tui.ui.widgets.tools_picker import ToolsScreen
from tests.test_tools import tools_toml
from tests.tui_helpers import chat, make_app, send, wait_until


def ask_call(arguments: str = '{"q": 1}', name: str = "echo_argv") -> Scenario:
    return Scenario(
        reasoning="I need the tool.", tool_calls=({"name": name, "arguments": arguments},)
    )


def app_with_tools(settings, paths, **kw):
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    tools_toml(paths.tools_file)
    return make_app(settings, paths, **kw)


def lines(app) -> list[ToolCallLine]:
    return list(chat(app).query(ToolCallLine))


def rendered(renderable) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


async def wait_for_modal(pilot, kind=ApprovalScreen):
    """The modal, once it takes answers (an approval waits a moment: see approval.py)."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await wait_until(pilot, lambda: getattr(pilot.app.screen, "armed", True))
    return pilot.app.screen


async def test_approval_modal_shows_the_call_and_run_executes_it(settings, paths, fake):
    fake.queue(ask_call(), "thinking_text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "use it")
        modal = await wait_for_modal(pilot)
        assert modal.query_one("#arguments", TextArea).text == '{\n  "q": 1\n}'
        assert "misbehave.py argv" in str(modal.query_one("#argv").render())
        assert lines(app)[0].record.status == "awaiting"
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        (line,) = lines(app)
        assert line.record.status == "done" and line.has_class("-done")
        assert json.loads(line.record.result)["stdin"] == '{"q": 1}'
        assert app.screen.query(StoredReply).last().answer_text == ("Hello world.")
    runtime.close()


async def test_edit_arguments_then_run(settings, paths, fake):
    fake.queue(ask_call(), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "use it")
        modal = await wait_for_modal(pilot)
        await pilot.press("e")
        modal.query_one("#arguments", TextArea).text = '{"q": 2}'
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert json.loads(lines(app)[0].record.result)["stdin"] == '{"q": 2}'
        sent = fake.chat_requests()[1].body["messages"]
        assert json.loads(sent[-1]["content"])["stdin"] == '{"q": 2}'
    runtime.close()


async def test_type_a_result_by_hand_runs_nothing(settings, paths, fake):
    fake.queue(ask_call(), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "use it")
        await wait_for_modal(pilot)
        await pilot.press("t")
        await pilot.press(*"sunny")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        record = lines(app)[0].record
        assert (record.result, record.manual, record.exit_code) == ("sunny", True, None)
        assert fake.chat_requests()[1].body["messages"][-1]["content"] == "sunny"
    runtime.close()


async def test_deny_sends_a_clear_refusal(settings, paths, fake):
    fake.queue(ask_call(), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "use it")
        await wait_for_modal(pilot)
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert lines(app)[0].record.status == "denied"
        assert "denied by user" in fake.chat_requests()[1].body["messages"][-1]["content"]
    runtime.close()


async def test_inspector_shows_the_call_and_the_exact_request(settings, paths, fake):
    fake.queue(ask_call(), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "use it")
        await wait_for_modal(pilot)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.click(lines(app)[0])  # a call line opens it in the inspector
        await pilot.pause()
        inspector = app.screen.query_one(ToolInspector)
        assert inspector.has_class("-open") and not inspector.has_class("-full")
        assert app.screen.query_one("#conversation").display  # side by side when wide
        raw = inspector._raw
        assert json.loads(raw["arguments"]) == {"q": 1}
        request = json.loads(raw["request"])
        assert request["messages"] == fake.chat_requests()[0].body["messages"]
        assert request["tools"] == fake.chat_requests()[0].body["tools"]
        response = json.loads(raw["response"])
        assert response["choices"][0]["message"]["reasoning_content"] == "I need the tool."
        assert settings.api_key not in raw["request"] + raw["response"]
        detail = rendered(inspector.detail)
        assert "misbehave.py" in detail and "exit code: 0" in detail
        await pilot.press("q")  # copy the request
        assert app.clipboard == raw["request"]
    runtime.close()


async def test_inspector_is_full_screen_when_narrow_and_escape_backs_out(settings, paths, fake):
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        inspector = app.screen.query_one(ToolInspector)
        assert inspector.has_class("-full")
        assert not app.screen.query_one("#conversation").display
        await pilot.press("escape")
        assert not inspector.has_class("-open")
        assert app.screen.query_one("#conversation").display
    runtime.close()


async def test_escape_kills_a_running_tool(settings, paths, fake):
    fake.queue(ask_call(name="hang"))
    app, runtime = app_with_tools(settings, paths)
    slow = runtime.toolbox.available["hang"]._replace(timeout_s=60)
    runtime.toolbox.available["hang"] = slow
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hang please")
        await wait_until(
            pilot, lambda: bool(lines(app)) and lines(app)[0].record.status == "running"
        )
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        stored = [m for m in runtime.store.messages(app.screen.session_id) if m.role == "tool"]
        assert stored[0].tool_meta["status"] == "cancelled"
    runtime.close()


async def test_tools_are_chosen_per_session_and_restored(settings, paths, fake):
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "current_time" not in runtime.toolbox.selected  # built-ins start off
        await pilot.press("ctrl+t")
        picker = await wait_for_modal(pilot, ToolsScreen)
        selection = picker.query_one("SelectionList")
        selection.deselect_all()
        selection.select("current_time")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert runtime.toolbox.selected == ["current_time"]
        fake.queue("text")
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        tools_sent = [t["function"]["name"] for t in fake.chat_requests()[0].body["tools"]]
        assert tools_sent == ["current_time"]
    runtime.close()
    app, runtime = app_with_tools(settings, paths, resume=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert runtime.toolbox.selected == ["current_time"]
    runtime.close()


async def test_the_approval_modal_keeps_its_buttons_in_sight_at_80x24(settings, paths, fake):
    """On a short terminal the call's details scroll inside the modal; the buttons stay on
    screen, also after `t` opens the result box (which is brought into view), and a click
    on one of them works."""
    from tests.tui_helpers import screen_lines

    fake.queue(ask_call('{"path": "README.md", "offset": 0, "limit": 200}'), "text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "use it")
        modal = await wait_for_modal(pilot)
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        for label in ("Run [r]", "Always [a]", "Edit [e]", "Type result [t]", "Deny [d]"):
            assert label in text, label
        assert "result to send instead of running" in text
        assert modal.query_one("#manual", TextArea).has_focus
        await pilot.click("#deny")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert lines(app)[0].record.status == "denied"
    runtime.close()


async def test_keys_typed_as_the_approval_appears_do_not_answer_it(
    settings, paths, fake, monkeypatch
):
    """The question comes when the model asks: an `a` or an Enter the user was typing for
    their next message must not allow or run the tool. Until the question has been on
    screen a moment (here: until armed by hand), keys and buttons answer nothing."""
    from textual import events
    from textual.widgets import Button

    monkeypatch.setattr(ApprovalScreen, "ARM_S", 3600.0)  # the moment, made long
    fake.queue(ask_call(), "thinking_text")
    app, runtime = app_with_tools(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "use it")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        modal = app.screen
        for key, char in (("a", "a"), ("r", "r"), ("enter", "\r"), ("d", "d")):
            app.post_message(events.Key(key, char))
        await pilot.pause()
        modal.query_one("#always", Button).press()
        await pilot.pause()
        assert app.screen is modal and not modal.armed
        assert lines(app)[0].record.status == "awaiting"
        modal.arm()
        await pilot.press("d")
        await wait_until(pilot, lambda: app.screen is not modal)
        await app.workers.wait_for_complete()
        assert lines(app)[0].record.status == "denied"
        assert runtime.toolbox.always_allowed == set()
    runtime.close()
