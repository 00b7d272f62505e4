"""MCP servers that misbehave: hang at start, print garbage, answer huge, die mid-call; and
quitting stops every server's process group. Each gives a clear message and loses nothing."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path

from mimo_tui.mcp_config import check_server
from mimo_tui.mcp_hub import McpHub
from mimo_tui.model import ToolRecord
from mimo_tui.tool_runner import ToolBox, approve_all
from mimo_tui.tools import MAX_OUTPUT
from tests.conftest import PYTHON, cli_env, cli_paths
from tests.test_mcp import SERVER, stdio_toml, tool_call, write_mcp_toml


def hub(tmp_path: Path, *extra: str, start_timeout_s: float = 60) -> McpHub:
    table = {"command": PYTHON, "args": [str(SERVER), *extra], "start_timeout_s": start_timeout_s}
    server = check_server("t", table, "test")
    assert server is not None
    return McpHub({"t": server}, tmp_path / "logs")


def record(name: str = "t__echo") -> ToolRecord:
    return ToolRecord("call_1", name, "{}", 1, "running")


async def test_a_server_that_hangs_at_start_fails_with_the_reason(tmp_path):
    h = hub(tmp_path, "--hang", start_timeout_s=1.5)
    seen: list[str] = []
    h.listeners.append(lambda name, state: seen.append(state.text()))
    try:
        await h.ensure(["t"])
    finally:
        await h.aclose()
    assert seen[0] == "starting"
    assert seen[1] == "failed: no answer to the MCP handshake within 1.5 s"
    toolbox = ToolBox({}, ["t.*"], approve_all, mcp=h)
    assert toolbox.specs() == []  # nothing offered; the turn goes on without it


async def test_a_server_that_prints_garbage_is_named_for_it(tmp_path):
    h = hub(tmp_path, "--garbage", start_timeout_s=3)
    try:
        await h.ensure(["t"])
    finally:
        await h.aclose()
    assert h.states["t"].text() == (
        "failed: no answer to the MCP handshake within 3 s; "
        "its stdout is not MCP (it printed 'Hello, I am not an MCP server')"
    )


async def test_huge_results_errors_and_a_server_dying_mid_call(tmp_path):
    h = hub(tmp_path)
    states: list[str] = []
    h.listeners.append(lambda name, state: states.append(state.text()))
    try:
        await h.ensure(["t"])
        specs = h.specs(set())
        big = await h.call(specs["t.big"], {}, record())
        assert big.status == "done" and big.truncated
        assert len(big.result.encode()) < MAX_OUTPUT + 100
        assert big.result.endswith("[output truncated at 64 KiB]")
        failed = await h.call(specs["t.fail"], {"reason": "x"}, record())
        assert failed.status == "failed"
        assert failed.result.startswith("error: the MCP tool reported an error")
        died = await h.call(specs["t.die"], {}, record())
        assert died.status == "failed"
        assert "went away during the call (the server exited with status 3)" in died.result
        again = await h.call(specs["t.echo"], {"text": "back"}, record())
        assert again.status == "done" and again.result == "ECHO<back>"
    finally:
        await h.aclose()
    assert "ready with 9 tools" in states
    assert "starting (restarting: the server exited with status 3)" in states
    assert "ready with 9 tools (restarted)" in states
    assert "dying now" in h.log_tail("t")  # its stderr is kept


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in (b"Z", b"X")


def test_ask_stops_the_servers_process_group_when_it_ends(tmp_path, fake):
    paths = cli_paths(tmp_path)
    child_file = tmp_path / "child.pid"
    write_mcp_toml(paths.config_dir, stdio_toml("t", "--child-pid", str(child_file)))
    fake.queue(tool_call("t__add", {"a": 1, "b": 2}))
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", "--yes", "add"],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    child = int(child_file.read_text())
    try:
        assert not _alive(child)  # the server's own child, in its group, went with it
    finally:
        if _alive(child):
            os.kill(child, 9)
    replayed = fake.chat_requests()[-1].body["messages"]
    assert replayed[-1]["content"] == "3" and json.loads(
        replayed[-2]["tool_calls"][0]["function"]["arguments"]
    ) == {"a": 1, "b": 2}


async def _log_says(h: McpHub, text: str, timeout: float = 30) -> None:
    """Wait (bounded) until the server's log holds `text`."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while text not in h.log_tail("t"):
        assert time.monotonic() < deadline, f"{text!r} not in the log: {h.log_tail('t')}"
        await asyncio.sleep(0.05)


async def test_cancelling_a_call_cancels_the_mcp_request_and_the_server_goes_on(tmp_path):
    import asyncio

    h = hub(tmp_path)
    try:
        await h.ensure(["t"])
        specs = h.specs(set())
        call = asyncio.create_task(h.call(specs["t.slow"], {"seconds": 600}, record()))
        await _log_says(h, "slow started")
        call.cancel()  # what Escape does to the turn
        with contextlib.suppress(asyncio.CancelledError):
            await call
        await _log_says(h, "slow was cancelled")  # the SDK told the server
        again = await h.call(specs["t.echo"], {"text": "still here"}, record())
        assert again.result == "ECHO<still here>"
        assert h.states["t"].state == "ready"  # not restarted: the connection is fine
    finally:
        await h.aclose()
