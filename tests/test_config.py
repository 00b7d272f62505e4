"""config.toml, the environment and the key: every bad value named (file, key, value, range)
and replaced by its default; keys that cannot be sent are refused; base URLs checked."""

from __future__ import annotations

import math
import subprocess

import pytest

from mimo_tui.config import ConfigError, Settings, load_settings
from mimo_tui.keynames import key_spec_problem
from tests.conftest import KEY, PYTHON, cli_env, cli_paths

DEFAULTS = Settings()


def mimo(tmp_path, fake, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", *args],
        env=cli_env(tmp_path, fake, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_config(paths, text: str) -> None:
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(text, encoding="utf-8")


NUMERIC = [
    "temperature",
    "top_p",
    "max_completion_tokens",
    "timeout_s",
    "first_token_timeout_s",
    "idle_timeout_s",
    "max_retries",
    "max_rounds",
]
BAD_NUMBERS = ["nan", "inf", "-inf", "-1", "1e20", "100000000000000000000"]


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_every_numeric_setting_refuses_non_finite_and_out_of_range(paths, name, raw):
    write_config(paths, f"{name} = {raw}\n")
    settings = load_settings(paths, env={})
    assert getattr(settings, name) == getattr(DEFAULTS, name)  # the default is used
    [notice] = settings.notices
    assert str(paths.config_file) in notice and name in notice and "default" in notice
    assert "must be" in notice and (" between " in notice or " more than " in notice)
    value = float(raw)
    if math.isfinite(value) and value == int(value) and "e" not in raw:
        assert raw in notice  # the value the user wrote


def test_a_nan_idle_timeout_leaves_the_stall_watchdog_on(paths):
    write_config(paths, "idle_timeout_s = nan\nfirst_token_timeout_s = inf\n")
    settings = load_settings(paths, env={})
    assert settings.idle_timeout_s == 120.0 and settings.first_token_timeout_s == 600.0
    assert all("more than 0 and at most 86400" in n for n in settings.notices)


def test_valid_numbers_load_as_written(paths):
    write_config(paths, "max_retries = 0\nidle_timeout_s = 30\nfirst_token_timeout_s = 900\n")
    settings = load_settings(paths, env={})
    assert settings.notices == ()
    assert (settings.max_retries, settings.idle_timeout_s) == (0, 30.0)
    assert settings.first_token_timeout_s == 900.0


def test_a_bad_value_in_the_file_is_a_notice_and_the_good_ones_still_load(tmp_path, fake):
    paths = cli_paths(tmp_path)
    write_config(paths, 'max_retries = -1\nmodel = "mimo-v2-flash"\nidle_timeout_s = nan\n')
    result = mimo(tmp_path, fake, "config")
    assert result.returncode == 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, result.stderr
    assert "max_retries must be between 0 and 10, got -1; using the default (2)" in lines[0]
    assert "idle_timeout_s" in lines[1] and "nan" in lines[1]
    assert "mimo-v2-flash" in result.stdout


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/v1",
        "https://",
        "api.xiaomimimo.com/v1",
        "http://h:x",
    ],
)
def test_a_base_url_must_be_http_or_https_with_a_host(paths, url):
    write_config(paths, f'base_url = "{url}"\n')
    settings = load_settings(paths, env={})
    assert settings.base_url == DEFAULTS.base_url
    [notice] = settings.notices
    assert "base_url" in notice and repr(url) in notice and str(paths.config_file) in notice
    env_settings = load_settings(
        paths.__class__(paths.config_dir / "x", paths.data_dir), env={"MIMO_BASE_URL": url}
    )
    assert env_settings.base_url == DEFAULTS.base_url
    assert any("MIMO_BASE_URL" in n for n in env_settings.notices)
    with pytest.raises(ConfigError, match="command line: base_url"):
        load_settings(paths, env={}, overrides={"base_url": url})


def test_a_bad_base_url_flag_exits_2_naming_it(tmp_path):
    result = mimo(tmp_path, None, "ask", "--base-url", "file:///tmp/x", "hi")
    assert result.returncode == 2
    assert "base_url must start with https://" in result.stderr and "Traceback" not in result.stderr


def test_plain_http_to_another_host_warns_once_and_loopback_does_not(tmp_path):
    remote = mimo(
        tmp_path, None, "config", MIMO_API_KEY=KEY, MIMO_BASE_URL="http://mimo.example.com/v1"
    )
    assert remote.returncode == 0
    assert remote.stderr.count("plain http") == 1 and "unencrypted" in remote.stderr
    local = mimo(tmp_path, None, "config", MIMO_API_KEY=KEY, MIMO_BASE_URL="http://127.0.0.1:9/v1")
    secure = mimo(tmp_path, None, "config", MIMO_API_KEY=KEY, MIMO_BASE_URL="https://h.example/v1")
    no_key = mimo(tmp_path, None, "config", MIMO_BASE_URL="http://mimo.example.com/v1")
    assert "plain http" not in local.stderr + secure.stderr + no_key.stderr


# ---- [keys] ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec", ["ctrl+k", "f9", "f24", "escape,f1", "ctrl+shift+up", "question_mark", "?", "A", "k"]
)
def test_key_names_textual_knows_are_accepted(spec):
    assert key_spec_problem(spec) is None


@pytest.mark.parametrize("spec", ["f99x", "f25", "ctrl+", "crtl+k", "ctrl+kk", "", " ", "f9,,f2"])
def test_nonsense_key_names_are_refused(spec):
    assert key_spec_problem(spec)


def test_every_default_binding_key_passes_the_check():
    """The check must never refuse a key the app itself binds."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    from mimo_tui.ui.keymap_check import binding_ids  # imports every UI module

    assert binding_ids()
    todo, keys = [DOMNode], set()
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("mimo_tui."):
            keys |= {b.key for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)}
    assert keys and [k for k in keys if key_spec_problem(k)] == []


def test_the_named_keys_match_textuals():
    from textual.keys import Keys

    from mimo_tui.keynames import NAMED_KEYS

    textual_named = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<")}
    assert textual_named | {"space"} >= NAMED_KEYS
    assert {"escape", "enter", "tab", "pageup", "f12"} <= NAMED_KEYS


def test_bad_keys_entries_are_named_dropped_and_the_rest_kept(paths):
    write_config(
        paths,
        '[keys]\nchat.search = "f99x"\nchat.new = "ctrl+k"\n"chat.tools" = 3\nchat.retry = ""\n',
    )
    settings = load_settings(paths, env={})
    assert settings.keymap == {"chat.new": "ctrl+k"}
    notices = "\n".join(settings.notices)
    assert "[keys] chat.search: 'f99x'" in notices
    assert "[keys] chat.tools" in notices and "[keys] chat.retry" in notices
    assert all(str(paths.config_file) in n for n in settings.notices)


def test_a_keys_entry_that_is_not_a_table_is_a_notice(paths):
    write_config(paths, 'keys = "ctrl+k"\n')
    settings = load_settings(paths, env={})
    assert settings.keymap == {} and "[keys] must be a table" in settings.notices[0]


def test_cli_commands_work_with_a_bad_keys_table(tmp_path, fake):
    paths = cli_paths(tmp_path)
    write_config(paths, '[keys]\nchat.search = "f99x"\nchat.new = 42\n')
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "chat.search: 'f99x' is not a key name" in result.stderr
    assert "chat.new: must be a key name" in result.stderr


# ---- the API key -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("sk-first-line-0123456789\nsecond-line", "line break"),
        ("sk-with space-0123456789", "space"),
        ("sk-bell\x07-0123456789abcdef", "control character (U+0007)"),
        ("sk-del\x7f-0123456789abcdef", "control character (U+007F)"),
        ("sk-é-0123456789abcdef", "non-ASCII"),
    ],
)
def test_a_key_with_whitespace_or_controls_is_refused_from_env(paths, key, why):
    settings = load_settings(paths, env={"MIMO_API_KEY": key})
    assert settings.api_key is None and why in (settings.key_problem or "")
    assert "MIMO_API_KEY" in settings.key_problem
    assert not any(part in settings.key_problem for part in key.split() if len(part) > 6)


def test_a_key_file_with_a_second_line_is_refused(paths):
    paths.config_dir.mkdir(parents=True)
    paths.key_file.write_text(KEY + "\nmy note\n")
    settings = load_settings(paths, env={})
    assert settings.api_key is None
    assert str(paths.key_file) in settings.key_problem and "line break" in settings.key_problem
    paths.key_file.write_text(KEY + "\n")  # one line, with its newline: fine
    assert load_settings(paths, env={}).api_key == KEY


def test_ask_with_a_broken_key_exits_2_without_showing_it(tmp_path, fake):
    broken = KEY + "\nsecond-line-of-the-file"
    result = mimo(tmp_path, fake, "ask", "hi", MIMO_API_KEY=broken)
    assert result.returncode == 2
    assert "MIMO_API_KEY: the API key contains a line break" in result.stderr
    assert KEY not in result.stderr + result.stdout and "second-line" not in result.stderr
    assert fake.chat_requests() == []  # nothing was sent


def test_a_broken_key_file_can_be_replaced_with_key_set(tmp_path, fake):
    paths = cli_paths(tmp_path)
    paths.config_dir.mkdir(parents=True)
    paths.key_file.write_text(KEY + "\nsecond-line-of-the-file\n")
    env = cli_env(tmp_path, fake)
    del env["MIMO_API_KEY"]
    run = lambda *args, **kw: subprocess.run(  # noqa: E731
        [PYTHON, "-m", "mimo_tui", *args], env=env, capture_output=True, text=True, timeout=60, **kw
    )
    refused = run("ask", "hi")
    assert refused.returncode == 2 and str(paths.key_file) in refused.stderr
    assert "second-line" not in refused.stderr
    fixed = run("key", "set", input=KEY + "\n")
    assert fixed.returncode == 0, fixed.stderr
    fake.queue("text")
    assert run("ask", "hi").returncode == 0


def test_key_set_refuses_control_characters(tmp_path):
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "key", "set"],
        env=cli_env(tmp_path, None),
        input="sk-abc\x1b[31m-0123456789\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "control character" in result.stderr
    assert not cli_paths(tmp_path).key_file.exists()
