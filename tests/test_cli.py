"""`mimo-tui ask`, `config` and `key` as a user runs them: a real process, the fake over HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import Scenario, scenario
from mimo_tui.store import Store
from tests.conftest import KEY, PYTHON, cli_env, cli_paths, run_python


def mimo(tmp_path, fake, *args, input=None, cwd=None, **env):
    """Run `mimo-tui` as a user does; from `cwd` (the project's package still the one run)."""
    if cwd is not None:
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", *args],
        env=cli_env(tmp_path, fake, **env),
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def test_ask_prints_the_answer_and_saves_the_turn(tmp_path, fake: FakeMimo):
    fake.queue("thinking_text")
    result = mimo(tmp_path, fake, "ask", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello world.\n"
    assert "user wants" not in result.stderr  # reasoning only with --show-reasoning
    store = Store(cli_paths(tmp_path).store_file)
    messages = store.messages(store.get_session("last").id)
    assert [(m.role, m.content) for m in messages] == [
        ("user", "hello"),
        ("assistant", "Hello world."),
    ]
    store.close()


def test_ask_show_reasoning_goes_to_stderr(tmp_path, fake):
    fake.queue("thinking_text")
    result = mimo(tmp_path, fake, "ask", "--show-reasoning", "hello")
    assert result.stdout == "Hello world.\n"
    assert "The user wants a short greeting." in result.stderr


def test_ask_reads_stdin(tmp_path, fake):
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", input="from a pipe\n")
    assert result.returncode == 0
    assert fake.chat_requests()[0].body["messages"][-1]["content"] == "from a pipe\n"


def test_ask_json_prints_the_final_message(tmp_path, fake):
    fake.queue("thinking_text")
    result = mimo(tmp_path, fake, "ask", "--json", "hello")
    data = json.loads(result.stdout)
    assert data["content"] == "Hello world."
    assert data["reasoning_content"] == "The user wants a short greeting."
    assert data["tool_calls"] == [] and data["finish_reason"] == "stop"
    assert data["usage"]["reasoning_tokens"] == 6


def test_ask_continue_replays_the_stored_session(tmp_path, fake):
    fake.queue("thinking_text", "text")
    mimo(tmp_path, fake, "ask", "first")
    result = mimo(tmp_path, fake, "ask", "-c", "second")
    assert result.returncode == 0
    messages = fake.chat_requests()[1].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["reasoning_content"] == "The user wants a short greeting."


def test_ask_session_id_continues_that_session(tmp_path, fake):
    fake.queue("text", "text", "text")
    mimo(tmp_path, fake, "ask", "one")
    store = Store(cli_paths(tmp_path).store_file)
    first = store.get_session("last").id
    store.close()
    mimo(tmp_path, fake, "ask", "two")  # a new session
    result = mimo(tmp_path, fake, "ask", "--session", first[:6], "three")
    assert result.returncode == 0
    assert [m["content"] for m in fake.chat_requests()[2].body["messages"][1::2]] == [
        "one",
        "three",
    ]
    bad = mimo(tmp_path, fake, "ask", "--session", "nope", "x")
    assert bad.returncode == 2 and "no session matches" in bad.stderr


@pytest.mark.parametrize(
    ("queued", "code", "message"),
    [("http_401", 1, "MIMO_API_KEY"), ("http_500", 1, "server error")],
)
def test_ask_api_errors_exit_1_with_a_clear_message(tmp_path, fake, queued, code, message):
    fake.queue(queued, queued, queued)
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr and KEY not in result.stderr


def test_ask_refused_connection_exits_1(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = mimo(
        tmp_path, None, "ask", "hi", MIMO_API_KEY=KEY, MIMO_BASE_URL=f"http://127.0.0.1:{port}/v1"
    )
    assert result.returncode == 1
    assert "Cannot reach" in result.stderr and "Traceback" not in result.stderr


def test_ask_without_a_key_exits_2_and_says_how_to_set_one(tmp_path):
    result = mimo(tmp_path, None, "ask", "hi")
    assert result.returncode == 2
    assert "MIMO_API_KEY" in result.stderr and "mimo-tui key set" in result.stderr


def test_ask_demo_needs_no_key(tmp_path):
    result = mimo(tmp_path, None, "ask", "--demo", "hello demo")
    assert result.returncode == 0
    assert "offline demo" in result.stdout


def _start_slow_ask(tmp_path, fake):
    fake.queue(scenario("slow_stream", delay_s=0.05, content="word " * 400))
    return subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", "ask", "a long answer please"],
        env=cli_env(tmp_path, fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_checkpoint(tmp_path) -> None:
    """Wait (on state, bounded) until the reply in flight has content on disk."""
    deadline = time.monotonic() + 30
    path = cli_paths(tmp_path).store_file
    while time.monotonic() < deadline:
        if path.exists():
            store = Store(path)
            try:
                msgs = store.messages(store.get_session("last").id) if store.list_sessions() else []
            finally:
                store.close()
            if len(msgs) == 2 and msgs[1].content:
                return
        time.sleep(0.05)
    raise AssertionError("the reply was never checkpointed")


def test_killed_ask_leaves_the_prompt_and_partial_reply_marked_interrupted(tmp_path, fake):
    proc = _start_slow_ask(tmp_path, fake)
    _wait_for_checkpoint(tmp_path)
    proc.kill()
    proc.wait()
    store = Store(cli_paths(tmp_path).store_file)
    user, reply = store.messages(store.get_session("last").id)
    assert user.content == "a long answer please"
    assert reply.status == "interrupted" and reply.content.startswith("word")
    store.close()


def test_ctrl_c_in_ask_exits_130_with_the_partial_reply_saved(tmp_path, fake):
    # The reply stalls after 40 words and never ends on its own: only Ctrl+C ends `ask`, so
    # no loaded machine can let it finish first. Synchronised on the first words printed.
    fake.queue(Scenario(content="word " * 400, delay_s=0.01, stall_after=40))
    proc = subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", "ask", "a long answer please"],
        env=cli_env(tmp_path, fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.read(4) == "word"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "cancelled" in err and "Traceback" not in err
    store = Store(cli_paths(tmp_path).store_file)
    reply = store.messages(store.get_session("last").id)[1]
    assert reply.status == "interrupted" and reply.content.startswith("word")
    store.close()


def test_key_set_writes_an_owner_only_file_and_config_redacts_it(tmp_path):
    result = mimo(tmp_path, None, "key", "set", input="sk-secret-value-123456\n")
    assert result.returncode == 0
    key_file = cli_paths(tmp_path).key_file
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    config = mimo(tmp_path, None, "config")
    assert "sk-secret-value-123456" not in config.stdout + config.stderr
    assert str(key_file) in config.stdout and "key file" in config.stdout
    assert "sk-s…(22 chars)" in config.stdout


def test_key_delete_asks_on_a_terminal_and_needs_yes_without_one(tmp_path):
    """As `sessions delete`: a stored key cannot be got back, so deleting it is confirmed."""
    from tests.pty_helpers import PtyApp

    key_file = cli_paths(tmp_path).key_file
    assert mimo(tmp_path, None, "key", "set", input="sk-secret-value-123456\n").returncode == 0
    piped = mimo(tmp_path, None, "key", "delete", input="")
    assert piped.returncode == 2 and "--yes" in piped.stderr and key_file.exists()
    with PtyApp(["key", "delete"], cli_env(tmp_path, None)) as app:
        app.wait_for_text("[y/N]")
        app.write("n\r")
        assert app.wait_exit() == 0
    assert key_file.exists()  # kept
    with PtyApp(["key", "delete"], cli_env(tmp_path, None)) as app:
        app.wait_for_text("[y/N]")
        app.write("y\r")
        assert app.wait_exit() == 0
    assert not key_file.exists()
    assert mimo(tmp_path, None, "key", "set", input="sk-secret-value-123456\n").returncode == 0
    assert mimo(tmp_path, None, "key", "delete", "--yes").returncode == 0
    assert not key_file.exists()


def test_a_bad_config_value_is_named_and_its_default_used(tmp_path):
    config = tmp_path / "config" / "mimo-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("temperature = 9\n")
    result = mimo(tmp_path, None, "config")
    assert result.returncode == 0
    assert str(config) in result.stderr and "between 0 and 1.5" in result.stderr
    assert "temperature" in result.stderr and "using the default (1.0)" in result.stderr
    assert re.search(r"^temperature = 1\.0 +# default$", result.stdout, re.M)
    assert "notices" not in result.stdout  # said once, on stderr; not a setting
    config.write_text("temperature = \n")  # not TOML at all: nothing can be trusted
    assert mimo(tmp_path, None, "config").returncode == 2


def test_config_says_what_the_tui_would_say_of_the_theme_and_the_keys(tmp_path):
    """A theme that does not exist and a [keys] id no binding has: the TUI names both at
    start, and so does `mimo-tui config` (it used to print them as if in effect)."""
    config = tmp_path / "config" / "mimo-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('theme = "nope"\n[keys]\nchat.nosuch = "f11"\n')
    result = mimo(tmp_path, None, "config")
    assert result.returncode == 0, result.stderr
    assert "theme 'nope' does not exist; the app uses mimo-dark" in result.stderr
    assert "[keys] chat.nosuch: no key binding has this id" in result.stderr
    assert "key_problem" not in result.stdout  # said on stderr when there is one


def test_config_names_a_keys_entry_that_clashes_with_another_binding(tmp_path):
    """`chat.search = "ctrl+q"` would hide Quit's key: `config` names both, as the TUI
    does, and that the entry is ignored."""
    config = tmp_path / "config" / "mimo-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[keys]\nchat.search = "ctrl+q"\nchat.new = "ctrl+k"\n')
    result = mimo(tmp_path, None, "config")
    assert result.returncode == 0, result.stderr
    [said] = [line for line in result.stderr.splitlines() if "[keys]" in line]
    assert said == (
        f"mimo-tui: {config}: [keys] chat.search = 'ctrl+q': ctrl+q is already Quit "
        "(app.quit) where chat.search works; ignored, so chat.search keeps ctrl+f"
    )


def test_help_and_ask_do_not_import_textual(tmp_path, fake):
    fake.queue("text")
    code = (
        "import sys\n"
        "from mimo_tui.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'textual' not in sys.modules and 'openai' not in sys.modules\n"
        "assert main(['ask', 'hi']) == 0\n"
        "assert 'textual' not in sys.modules, 'ask imported textual'\n"
    )
    run_python(code, tmp_path, fake)


def test_commands_but_the_tui_run_with_the_garbage_collector_on(tmp_path, fake):
    """The entry point turns the collector off for start-up; `ask` must not stay that way."""
    fake.queue("text")
    code = (
        "import gc, sys\n"
        "sys.argv = ['mimo-tui', 'ask', 'hi']\n"
        "from mimo_tui.__main__ import main\n"
        "assert main() == 0\n"
        "assert gc.isenabled(), 'ask ran with the garbage collector off'\n"
    )
    run_python(code, tmp_path, fake)


def _write_tools(tmp_path) -> None:
    from tests.test_tools import tools_toml

    folder = tmp_path / "config" / "mimo-tui"
    folder.mkdir(parents=True, exist_ok=True)
    tools_toml(folder / "tools.toml")


def test_ask_yes_runs_tool_calls_end_to_end(tmp_path, fake):
    _write_tools(tmp_path)
    fake.queue(
        scenario("tool_call", tool_calls=({"name": "echo_argv", "arguments": '{"q": 1}'},)),
        "thinking_text",
    )
    result = mimo(tmp_path, fake, "ask", "--yes", "use the tool")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello world.\n"
    assert "⚙ echo_argv" in result.stderr and "done" in result.stderr
    tool_msg = fake.chat_requests()[1].body["messages"][-1]
    assert tool_msg["role"] == "tool" and '"stdin": "{\\"q\\": 1}"' in tool_msg["content"]


def test_ask_without_a_terminal_denies_tool_calls_and_says_why(tmp_path, fake):
    _write_tools(tmp_path)
    fake.queue(
        scenario("tool_call", tool_calls=({"name": "echo_argv", "arguments": "{}"},)), "text"
    )
    result = mimo(tmp_path, fake, "ask", "use the tool", input="")
    assert result.returncode == 0
    assert "no terminal to ask on" in result.stderr and "--yes" in result.stderr
    assert "denied by user" in fake.chat_requests()[1].body["messages"][-1]["content"]


def test_tools_command_lists_every_tool_with_source_and_schema(tmp_path):
    _write_tools(tmp_path)
    result = mimo(tmp_path, None, "tools", "--json")
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["read_file"]["source"] == "built-in" and not rows["read_file"]["offered_by_default"]
    assert rows["get_current_weather"]["source"].endswith("tools.toml")
    assert rows["get_current_weather"]["parameters"]["required"] == ["location"]
    text = mimo(tmp_path, None, "tools")
    assert "[on ] get_current_weather" in text.stdout and "[off] current_time" in text.stdout


def test_unknown_tool_name_in_tools_flag_is_a_usage_error(tmp_path, fake):
    result = mimo(tmp_path, fake, "ask", "--tools", "nope", "hi")
    assert result.returncode == 2 and "unknown tool" in result.stderr


def test_ask_on_a_terminal_prompts_for_each_tool_call(tmp_path, fake):
    """y/n/e/a on a real pseudo-terminal: 'e' edits the arguments before running."""
    import pty
    import select

    _write_tools(tmp_path)
    fake.queue(
        scenario("tool_call", tool_calls=({"name": "echo_argv", "arguments": '{"q": 1}'},)), "text"
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", "ask", "use the tool"],
        env=cli_env(tmp_path, fake),
        stdin=slave,
        stderr=slave,
        stdout=subprocess.PIPE,
        text=True,
    )
    os.close(slave)
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while marker not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen += os.read(master, 4096)

    read_until(b"Run it? [y]es / [n]o / [e]dit arguments / [a]lways")
    assert b'"q": 1' in seen and b"misbehave.py argv" in seen
    os.write(master, b"e\n")
    read_until(b"arguments (JSON):")
    os.write(master, b'{"q": 42}\n')
    out, _ = proc.communicate(timeout=30)
    os.close(master)
    assert proc.returncode == 0
    assert out == "Hello! I'm MiMo, Xiaomi's AI assistant.\n"  # prompts never reach stdout
    sent = fake.chat_requests()[1].body["messages"][-1]["content"]
    assert json.loads(sent)["stdin"] == '{"q": 42}'


def test_themes_lists_bundled_user_and_textual_themes(tmp_path):
    paths = cli_paths(tmp_path)
    paths.themes_dir.mkdir(parents=True)
    (paths.themes_dir / "mine.toml").write_text('name = "mine"\nprimary = "#00AAFF"\n')
    (paths.themes_dir / "bad.toml").write_text("name = \n")
    paths.config_file.write_text('theme = "mimo-light"\n')
    result = mimo(tmp_path, None, "themes", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["mimo-light"]["current"] and not rows["mimo-dark"]["current"]
    assert rows["mimo-dark"]["source"] == "mimo-tui" and rows["mine"]["source"] == "user"
    assert rows["nord"]["source"] == "textual" and rows["mimo-light"]["dark"] is False
    assert "bad.toml" in result.stderr  # named, and the rest still listed
    plain = mimo(tmp_path, None, "themes")
    assert "* mimo-light" in plain.stdout


def test_ask_says_each_retry_the_sdk_makes_on_stderr(tmp_path, fake):
    fake.queue("http_429", "text")
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()  # the answer, after the retry
    [said] = [line for line in result.stderr.splitlines() if "retr" in line]
    assert said.startswith("mimo-tui: rate limited (429), retrying in ") and said.endswith("(1/2)")


def test_the_chat_without_a_terminal_says_so_and_points_to_ask(tmp_path):
    """`mimo-tui -c </dev/null | tail`: no keys can reach it, so rather than running
    unseen until killed it says what it needs and what to use instead, exit 2."""
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "--demo", "-c"],
        env=cli_env(tmp_path, None),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "needs a terminal" in result.stderr and "mimo-tui ask" in result.stderr


def test_small_cli_answers_say_what_to_do(tmp_path):
    """An empty search is a usage error that says what it needs; `key show` with no key
    says how to set one; --n out of range names the range its help gives."""
    empty = mimo(tmp_path, None, "sessions", "search", "")
    assert empty.returncode == 2 and "search needs a word" in empty.stderr
    shown = mimo(tmp_path, None, "key", "show")
    assert shown.returncode == 0 and "mimo-tui key set" in shown.stderr
    too_many = mimo(tmp_path, None, "ask", "--n", "5", "hi")
    assert too_many.returncode == 2 and "1 to 4 candidates, not 5" in too_many.stderr
    assert "(1-4;" in mimo(tmp_path, None, "ask", "--help").stdout


def test_the_chat_on_the_browsers_driver_runs_over_pipes(tmp_path):
    """`mimo-tui serve` runs the chat with Textual's web driver over pipes (no terminal):
    that is not refused as a missing terminal; the app starts and speaks on stdout."""
    proc = subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", "--demo"],
        env=cli_env(tmp_path, None, TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        first = proc.stdout.read(1)  # the web driver's first packet: the app is running
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    assert first and b"needs a terminal" not in err
