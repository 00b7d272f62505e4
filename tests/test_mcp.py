"""MCP servers as tool sources: configuration, names, results, and a real server (written with
the SDK, tests/mcp_server.py) over stdio and streamable HTTP, driven by `ask --yes` as a
subprocess with the fake asking for its tools, and by the hub directly for the faults."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mimo_tui.fake import FakeMimo, Scenario
from mimo_tui.mcp_config import load_servers
from mimo_tui.mcp_results import api_names, result_text
from mimo_tui.model import ToolRecord
from mimo_tui.store import Store
from mimo_tui.tools import MAX_OUTPUT, parse_selection
from tests.conftest import KEY, PYTHON, cli_env, cli_paths

SERVER = Path(__file__).with_name("mcp_server.py")


def stdio_table(*extra: str) -> dict:
    return {"command": PYTHON, "args": [str(SERVER), *extra]}


def write_mcp_toml(config_dir: Path, body: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "mcp.toml"
    path.write_text(body, encoding="utf-8")
    return path


def stdio_toml(name: str = "t", *extra: str, more: str = "") -> str:
    args = json.dumps([str(SERVER), *extra])
    return f"[servers.{name}]\ncommand = {json.dumps(PYTHON)}\nargs = {args}\n{more}"


def tool_call(name: str, arguments: dict) -> Scenario:
    return Scenario(
        reasoning="I will use the MCP tool.",
        tool_calls=({"name": name, "arguments": json.dumps(arguments)},),
    )


def ask(tmp_path: Path, fake: FakeMimo, *args: str, timeout: float = 120):
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", *args],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ---- configuration ---------------------------------------------------------------------------


def test_an_mcp_config_that_cannot_be_read_is_named_once_and_rightly(tmp_path):
    """--mcp-config naming a file in Latin-1: one message, "cannot read"; it used to add
    "no such file" as well. A file that is not there: "no such file" alone."""
    latin = tmp_path / "servers.json"
    latin.write_bytes(b'{"mcpServers": {"\xe9": {}}}')
    _, problems = load_servers(tmp_path / "none.toml", tmp_path / "none2.toml", str(latin))
    assert len(problems) == 1 and "cannot read" in problems[0]
    _, problems = load_servers(tmp_path / "none.toml", tmp_path / "none2.toml", str(tmp_path / "x"))
    assert len(problems) == 1 and "no such file" in problems[0]


def test_servers_come_from_mcp_toml_config_toml_and_an_mcpservers_json(tmp_path, monkeypatch):
    monkeypatch.setenv("WEATHER_TOKEN", "tok-123")
    mcp_file = write_mcp_toml(
        tmp_path,
        '[servers.local]\ncommand = "srv"\nargs = ["--x", "${WEATHER_TOKEN}"]\n'
        'env = { TOKEN = "${WEATHER_TOKEN}" }\ncwd = "/tmp"\napprove = "auto"\n'
        '[servers.local.tools.rm]\napprove = "ask"\n',
    )
    config = tmp_path / "config.toml"
    config.write_text(
        'model = "mimo-v2.5-pro"\n[mcp.servers.remote]\nurl = "http://127.0.0.1:9/mcp"\n'
        'headers = { Authorization = "Bearer ${WEATHER_TOKEN}" }\n',
        encoding="utf-8",
    )
    other = tmp_path / "claude.json"
    other.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "fs tools": {"command": "npx", "args": ["-y", "fs"], "autoApprove": ["ls"]},
                    "off": {"command": "x", "disabled": True},
                }
            }
        ),
        encoding="utf-8",
    )
    servers, problems = load_servers(mcp_file, config, str(other))
    assert problems == []
    assert set(servers) == {"local", "remote", "fs_tools"}
    local = servers["local"]
    assert local.args == ("--x", "tok-123") and dict(local.env) == {"TOKEN": "tok-123"}
    assert local.cwd == "/tmp" and local.approve_for("rm") == "ask"
    assert local.approve_for("other") == "auto"
    assert dict(servers["remote"].headers) == {"Authorization": "Bearer tok-123"}
    assert servers["remote"].transport == "http"
    assert servers["fs_tools"].approve_for("ls") == "auto"


def test_a_bad_server_entry_is_named_and_the_others_still_load(tmp_path, monkeypatch):
    monkeypatch.setenv("MIMO_API_KEY", KEY)
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    mcp_file = write_mcp_toml(
        tmp_path,
        '[servers.good]\ncommand = "srv"\n'
        '[servers.both]\ncommand = "srv"\nurl = "http://x/mcp"\n'
        '[servers.leak]\ncommand = "srv"\nenv = { K = "${MIMO_API_KEY}" }\n'
        '[servers.unset]\ncommand = "srv"\nargs = ["${NOT_SET_ANYWHERE}"]\n'
        '[servers.typo]\ncommand = "srv"\napprov = "auto"\n',
    )
    servers, problems = load_servers(mcp_file, tmp_path / "none.toml", None)
    assert list(servers) == ["good"]
    text = "\n".join(problems)
    assert "'both': give either `command` (stdio) or `url`" in text
    assert "${MIMO_API_KEY} is one of mimo-tui's own secrets" in text
    assert "${NOT_SET_ANYWHERE} is not set" in text
    assert "'typo': unknown key(s) approv" in text
    assert KEY not in text


def test_api_names_are_what_the_api_accepts_and_never_collide():
    taken = {"t__echo"}  # e.g. a tools.toml tool of that name
    names = api_names("t", ["echo", "name.with.dots", "name_with_dots", "x" * 80], taken)
    assert names["echo"] == "t__echo_2"
    assert names["name.with.dots"] == "t__name_with_dots"
    assert names["name_with_dots"] == "t__name_with_dots_2"
    assert len(names["x" * 80]) == 64
    assert all(n.replace("_", "").replace("-", "").isalnum() for n in names.values())


def test_selection_names_a_servers_tools_before_they_are_known():
    assert parse_selection("all", {}, ["t"]) == ["t.*"]
    assert parse_selection("t", {}, ["t"]) == ["t.*"]
    assert parse_selection("t.echo", {}, ["t"]) == ["t.echo"]
    with pytest.raises(ValueError, match="unknown tool"):
        parse_selection("u.echo", {}, ["t"])


def test_results_become_the_string_mimo_requires():
    text, error, cut = result_text(
        {
            "content": [
                {"type": "text", "text": "one"},
                {"type": "image", "mimeType": "image/png", "data": "AAAA"},
                {"type": "resource", "resource": {"uri": "file:///a", "text": "body"}},
                {"type": "resource_link", "uri": "file:///b", "name": "b"},
            ]
        }
    )
    assert text.splitlines() == [
        "one",
        "[image: image/png, 3 bytes; the data is in the inspector]",
        "[resource file:///a (?)]",
        "body",
        "[resource link: file:///b b]",
    ]
    assert not error and not cut
    text, error, _ = result_text({"content": [{"type": "text", "text": "no"}], "isError": True})
    assert error and text == "error: the MCP tool reported an error:\nno"
    text, _, cut = result_text({"content": [{"type": "text", "text": "y" * (MAX_OUTPUT * 2)}]})
    assert cut and text.endswith("[output truncated at 64 KiB]")
    assert result_text({"content": [], "structuredContent": {"a": 1}})[0] == '{"a": 1}'


# ---- a real server through `ask --yes` ---------------------------------------------------------


def test_ask_yes_answers_with_a_tool_of_a_stdio_server(tmp_path, fake):
    paths = cli_paths(tmp_path)
    write_mcp_toml(paths.config_dir, stdio_toml())
    fake.queue(tool_call("t__echo", {"text": "hello mcp"}))
    result = ask(tmp_path, fake, "--yes", "echo something")
    assert result.returncode == 0, result.stderr
    assert "ECHO<hello mcp>" in result.stdout  # the fake's answer quotes the tool's result
    assert "t.echo" in result.stderr
    first, second = fake.chat_requests()
    offered = [t["function"]["name"] for t in first.body["tools"]]
    assert "t__echo" in offered and "t__name_with_dots" in offered
    tool_msg = second.body["messages"][-1]
    assert tool_msg["role"] == "tool" and tool_msg["content"] == "ECHO<hello mcp>"
    store = Store(paths.store_file)
    try:
        session = store.list_sessions(limit=1)[0]
        stored = next(m for m in store.messages(session.id) if m.role == "tool")
    finally:
        store.close()
    record = ToolRecord.from_message(stored)
    assert record.mcp is not None and record.mcp["server"] == "t"
    assert json.loads(record.mcp["request"])["params"] == {
        "name": "echo",
        "arguments": {"text": "hello mcp"},
    }
    assert json.loads(record.mcp["response"])["content"][0]["text"] == "ECHO<hello mcp>"
    assert "echo called with 'hello mcp'" in Path(record.mcp["log"]).read_text()


def test_ask_yes_with_an_http_server_from_an_mcpservers_json(tmp_path, fake):
    server = subprocess.Popen(
        [PYTHON, str(SERVER), "--http"], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        config = tmp_path / "servers.json"
        config.write_text(json.dumps({"mcpServers": {"web": {"url": url}}}), encoding="utf-8")
        fake.queue(tool_call("web__add", {"a": 40, "b": 2}))
        result = ask(tmp_path, fake, "--yes", "--mcp-config", str(config), "add them")
        assert result.returncode == 0, result.stderr
        assert "> 42" in result.stdout
        assert "web.add" in result.stderr
    finally:
        os.killpg(server.pid, 9)
        server.wait()


def test_the_sdk_is_not_imported_until_a_server_starts(tmp_path):
    """A configured server costs start-up nothing: the runtime is built, the session opened
    and the app's module loaded without importing the SDK (or anyio, or httpx2)."""
    write_mcp_toml(cli_paths(tmp_path).config_dir, stdio_toml())
    code = (
        "import sys\n"
        "from mimo_tui.config import Paths, load_settings\n"
        "from mimo_tui.runtime import build_runtime\n"
        "import mimo_tui.ui.app, mimo_tui.cli\n"
        "paths = Paths.default()\n"
        "runtime = build_runtime(load_settings(paths), paths)\n"
        "runtime.session()\n"
        "assert runtime.toolbox.offered_servers() == ['t'], runtime.toolbox.selected\n"
        "loaded = [m for m in ('mcp', 'mcp_types', 'anyio', 'httpx2') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "runtime.close()\n"
    )
    result = subprocess.run(
        [PYTHON, "-c", code], env=cli_env(tmp_path, None), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_tools_lists_each_servers_tools_as_server_dot_tool(tmp_path):
    paths = cli_paths(tmp_path)
    write_mcp_toml(
        paths.config_dir,
        stdio_toml("t", more='approve = "auto"\n')
        + stdio_toml("broken").replace(str(SERVER), str(tmp_path / "missing.py")),
    )
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "tools", "--json"],
        env=cli_env(tmp_path, None),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2  # a server that fails is reported like a bad tools.toml
    data = json.loads(result.stdout)
    rows = {row["name"]: row for row in data["tools"]}
    assert rows["t.echo"]["api_name"] == "t__echo" and rows["t.echo"]["approve"] == "auto"
    assert rows["t.name.with.dots"]["api_name"] == "t__name_with_dots"
    servers = {s["name"]: s for s in data["mcp_servers"]}
    assert servers["t"]["status"] == "ready with 9 tools"
    assert servers["broken"]["state"] == "failed"
    assert "before the handshake finished" in servers["broken"]["status"]


def test_every_mcp_log_is_owner_only(tmp_path):
    """The server's own log and the SDK's (sdk.log) may hold what the tools were given and
    answered: both are 0600, in a 0700 folder."""
    paths = cli_paths(tmp_path)
    write_mcp_toml(paths.config_dir, stdio_toml("t"))
    logs = paths.data_dir / "mcp-logs"

    def run_and_look() -> dict[str, str]:
        result = subprocess.run(
            [PYTHON, "-m", "mimo_tui", "tools", "--json"],
            env=cli_env(tmp_path, None),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return {p.name: oct(p.stat().st_mode & 0o777) for p in logs.iterdir()}

    assert run_and_look() == {"sdk.log": "0o600", "t.log": "0o600"}
    assert oct(logs.stat().st_mode & 0o777) == "0o700"
    (logs / "sdk.log").chmod(0o644)  # as an earlier version left it
    assert run_and_look() == {"sdk.log": "0o600", "t.log": "0o600"}
