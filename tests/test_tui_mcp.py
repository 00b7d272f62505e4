"""An MCP server's tools in the chat UI: its status, Ctrl+T, the approval modal (server,
tool, arguments), the call in the inspector with the MCP request, response and server log."""

from __future__ import annotations

from textual.widgets import SelectionList, Static

from mimo_tui.ui.widgets.approval import ApprovalScreen
from mimo_tui.ui.widgets.inspector import ToolInspector
from mimo_tui.ui.widgets.tools_picker import ToolsScreen
from tests.test_mcp import stdio_toml, tool_call, write_mcp_toml
from tests.test_tui_tools import chat, rendered, wait_for_modal
from tests.tui_helpers import make_app, send, wait_until


async def test_an_mcp_tool_runs_through_the_approval_modal_and_shows_in_the_inspector(
    settings, paths, fake
):
    write_mcp_toml(paths.config_dir, stdio_toml())
    fake.queue(tool_call("t__echo", {"text": "from the tui"}), "thinking_text")
    app, runtime = make_app(settings, paths)
    hub = runtime.toolbox.mcp
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        # Started in the background after the first frame, because the session offers t.*.
        await wait_until(pilot, lambda: hub.states["t"].state == "ready", timeout=90)
        await wait_until(
            pilot,
            lambda: (
                "MCP server t: ready with 9 tools" in [str(n.message) for n in app._notifications]
            ),
        )
        await pilot.press("ctrl+t")
        picker = await wait_for_modal(pilot, ToolsScreen)
        options = picker.query_one(SelectionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(label.startswith("t.*  · MCP server t: ready with 9 tools") for label in labels)
        assert any(label.startswith("t.echo  · MCP server t (stdio:") for label in labels)
        await pilot.press("escape")
        await send(pilot, "use the MCP tool")
        modal = await wait_for_modal(pilot, ApprovalScreen)
        assert str(modal.query_one("#argv", Static).render()) == "server t · tool echo"
        await pilot.click("#run")
        screen = chat(app)
        inspector = screen.inspector
        await wait_until(
            pilot,
            lambda: any(r.status == "done" for r in inspector.records.values()),
            timeout=60,
        )
        await wait_until(pilot, lambda: not screen.busy, timeout=60)
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.screen.query(ToolInspector).first().detail is not None)
        detail = rendered(inspector.detail)
        assert "ECHO<from the tui>" in detail
        assert "MCP server t" in detail and "MCP request" in detail and "MCP response" in detail
        assert '"name": "echo"' in detail
        assert "echo called with 'from the tui'" in detail  # the server's log
    assert hub.states["t"].state == "stopped"  # quitting stopped it
