"""Flags wherever they stand, and what `config`, `tools`, `usage` and a missing anthropic SDK
tell the user, each as a real `mimo-tui` process against the fake over HTTP."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from mimo_tui.fake import FakeMimo
from mimo_tui.store import Store
from tests.conftest import PYTHON, cli_env, cli_paths, run_python
from tests.test_cli import mimo


def last_body(fake: FakeMimo) -> dict:
    return fake.chat_requests()[-1].body


# ---- flags before the sub-command -------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "model"),
    [
        (["-m", "mimo-v2-flash", "ask", "hi"], "mimo-v2-flash"),
        (["ask", "-m", "mimo-v2-flash", "hi"], "mimo-v2-flash"),
        (["-m", "mimo-v2.5", "ask", "-m", "mimo-v2-flash", "hi"], "mimo-v2-flash"),  # later wins
        (["--model", "mimo-v2.5", "ask", "hi"], "mimo-v2.5"),
    ],
)
def test_the_model_flag_counts_before_or_after_ask(tmp_path, fake, args, model):
    fake.queue("text")
    result = mimo(tmp_path, fake, *args)
    assert result.returncode == 0, result.stderr
    assert last_body(fake)["model"] == model


def test_no_thinking_and_no_system_before_ask_are_sent(tmp_path, fake):
    fake.queue("text")
    result = mimo(tmp_path, fake, "--no-thinking", "--no-system", "ask", "hi")
    assert result.returncode == 0, result.stderr
    body = last_body(fake)
    assert body["thinking"] == {"type": "disabled"}
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_api_anthropic_before_ask_speaks_the_anthropic_format(tmp_path, fake):
    fake.queue("text")
    result = mimo(tmp_path, fake, "--api", "anthropic", "ask", "hi")
    assert result.returncode == 0, result.stderr
    assert len(fake.messages_requests()) == 1 and fake.chat_requests() == []


def test_session_before_ask_continues_that_session(tmp_path, fake):
    fake.queue("text", "text", "text")
    mimo(tmp_path, fake, "ask", "first")
    store = Store(cli_paths(tmp_path).store_file)
    first_id = store.get_session("last").id
    store.close()
    mimo(tmp_path, fake, "ask", "unrelated")  # now `last` is another session
    result = mimo(tmp_path, fake, "--session", first_id, "ask", "second")
    assert result.returncode == 0, result.stderr
    roles = [m["role"] for m in last_body(fake)["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert last_body(fake)["messages"][1]["content"] == "first"


def test_demo_before_sessions_and_usage_reads_the_demo_store(tmp_path):
    assert mimo(tmp_path, None, "ask", "--demo", "hello").returncode == 0
    assert mimo(tmp_path, None, "sessions", "list").stdout == ""  # the real store: empty
    demo_list = mimo(tmp_path, None, "--demo", "sessions", "list").stdout
    assert len(demo_list.splitlines()) == 1 and "hello" in demo_list
    assert "mimo-v2.5-pro" in mimo(tmp_path, None, "--demo", "usage").stdout


def test_tools_file_before_tools_is_the_file_listed(tmp_path):
    from tests.test_tools import tools_toml

    path = tools_toml(tmp_path / "elsewhere.toml")
    result = mimo(tmp_path, None, "--tools-file", str(path), "tools")
    assert result.returncode == 0, result.stderr
    assert f"tools file: {path}" in result.stdout and "get_current_weather" in result.stdout


# ---- the anthropic extra missing ---------------------------------------------------------------


def _without_anthropic(tmp_path) -> dict[str, str]:
    """An interpreter where `import anthropic` fails (a stand-in package that raises)."""
    shim = tmp_path / "shim"
    (shim / "anthropic").mkdir(parents=True)
    (shim / "anthropic" / "__init__.py").write_text(
        "raise ImportError('No module named anthropic (test stand-in)')\n"
    )
    return {"PYTHONPATH": os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")])}


@pytest.mark.parametrize(
    "args",
    [["--api", "anthropic", "ask", "hi"], ["ask", "--api", "anthropic", "hi"]],
    ids=["before", "after"],
)
def test_ask_without_the_anthropic_sdk_exits_2_naming_the_extra_and_creates_nothing(
    tmp_path, fake, args
):
    result = mimo(tmp_path, fake, *args, **_without_anthropic(tmp_path))
    assert result.returncode == 2
    assert "pip install 'mimo-tui[anthropic]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not cli_paths(tmp_path).store_file.exists()  # no store, no junk session
    assert fake.requests == []


def test_continuing_an_anthropic_session_without_the_sdk_exits_2_and_adds_nothing(tmp_path, fake):
    fake.queue("text")
    assert mimo(tmp_path, fake, "ask", "--api", "anthropic", "first").returncode == 0
    result = mimo(tmp_path, fake, "ask", "-c", "second", **_without_anthropic(tmp_path))
    assert result.returncode == 2
    assert "pip install 'mimo-tui[anthropic]'" in result.stderr
    store = Store(cli_paths(tmp_path).store_file)
    messages = store.messages(store.get_session("last").id)
    assert [m.content for m in messages] == ["first", "Hello! I'm MiMo, Xiaomi's AI assistant."]
    assert len(store.list_sessions()) == 1
    store.close()


# ---- tools, config, usage ----------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_tools_with_errors_in_tools_toml_lists_them_and_exits_2(tmp_path, as_json):
    folder = cli_paths(tmp_path).config_dir
    folder.mkdir(parents=True)
    (folder / "tools.toml").write_text('[tools.broken]\ncommand = "not a list"\n')
    result = mimo(tmp_path, None, "tools", *(["--json"] if as_json else []))
    assert result.returncode == 2
    assert "broken" in result.stderr and str(folder / "tools.toml") in result.stderr
    assert "current_time" in result.stdout  # the good tools are still listed


def test_tools_with_a_clean_file_exits_0(tmp_path):
    assert mimo(tmp_path, None, "tools").returncode == 0


SETTING = re.compile(r"^(\w+) = (.+?)\s+# (.+)$")


def test_config_prints_settings_as_key_value_with_their_source(tmp_path, fake):
    folder = cli_paths(tmp_path).config_dir
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('temperature = 0.7\n[keys]\nsend = "ctrl+j"\n')
    result = mimo(tmp_path, fake, "-m", "mimo-v2-flash", "config")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for internal in ("explicit", "frozenset", "keymap", "api_key_source", "{}"):
        assert internal not in out
    rows = {m[1]: (m[2], m[3]) for m in map(SETTING.match, out.splitlines()) if m}
    assert rows["model"] == ('"mimo-v2-flash"', "command line")
    assert rows["base_url"] == (f'"{fake.base_url}"', "environment MIMO_BASE_URL")
    assert rows["temperature"] == ("0.7", "config.toml")
    assert rows["top_p"] == ("0.95", "default")
    assert rows["api_key"][1] == "environment MIMO_API_KEY"
    assert "demo" not in rows and "tools" not in rows  # flag-only settings: when given
    assert '[keys]  # config.toml\nsend = "ctrl+j"' in out
    assert f'store_file = "{cli_paths(tmp_path).store_file}"' in out


def test_usage_counts_requests_made_not_imported_replies(tmp_path, fake):
    imported = '[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]'
    assert mimo(tmp_path, None, "sessions", "import", "-", input=imported).returncode == 0
    assert mimo(tmp_path, None, "usage").stdout == "no requests recorded\n"
    fake.queue("text")
    assert mimo(tmp_path, fake, "ask", "hi").returncode == 0
    lines = mimo(tmp_path, None, "usage").stdout.splitlines()
    assert len(lines) == 3  # header, one row, total
    _day, model, requests = lines[1].split()[:3]
    assert (model, requests) == ("mimo-v2.5-pro", "1")
    assert "?" not in "\n".join(lines)


# ---- the chat's own command line builds no sub-command ------------------------------------------

OPTION_LINES = [
    [],
    ["-c"],
    ["--demo", "--no-thinking"],
    ["--model=mimo-v2-flash", "--web-search", "--no-system"],
    ["--session=abc123", "--theme=mimo-light"],
    ["--tools=none", "--lang=zh", "--api=openai"],
]


@pytest.mark.parametrize("argv", OPTION_LINES)
def test_a_line_of_options_parses_the_same_without_the_sub_commands(argv):
    """parse_args leaves the sub-commands out for a line of options only (start-up); what
    the chat then reads must be exactly what the whole parser would have said."""
    from mimo_tui.cli import build_parser, parse_args

    assert vars(parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_plain_start_loads_no_sub_command_module(tmp_path):
    """Opening the chat (`mimo-tui`, `-c`) reads the command line without importing what
    only the sub-commands use: their parsers and the export/import machinery."""
    code = (
        "import sys; from mimo_tui.cli import parse_args; args = parse_args(['-c']);"
        "print(args.command, args.resume, sorted(m for m in sys.modules"
        " if m.startswith('mimo_tui.cli_')))"
    )
    assert run_python(code, tmp_path, None).split() == ["None", "True", "[]"]


def test_a_sub_command_or_help_still_gets_its_parser(capsys):
    from mimo_tui.cli import parse_args

    assert parse_args(["-m", "mimo-v2.5", "sessions", "list"]).command == "sessions"
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    assert "sessions" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus\x1b]0;PWN\x07"],  # the chat's own parser
        ["ask", "--bogus\x1b]0;PWN\x07", "hi"],  # a sub-command's
        ["sessions", "show", "last", "--bogus\x1b]0;PWN\x07"],  # a sub-command's sub-command
        ["--x\x9b31m"],  # an 8-bit CSI, which some terminals act on as ESC [
    ],
)
def test_a_usage_error_never_echoes_a_control_character(tmp_path, args):
    """argparse quotes the unknown word: ESC (or an 8-bit CSI) in it would set the terminal's
    title. It is shown as a control picture, byte for byte nothing the terminal acts on."""
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", *args], env=cli_env(tmp_path, None), capture_output=True
    )
    assert result.returncode == 2 and result.stdout == b""
    err = result.stderr.decode("utf-8")
    assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err
    assert b"\x1b" not in result.stderr and "error: " in err
    assert "␛]0;PWN␇" in err or "⟨U+009B⟩31m" in err
