"""Saving settings edits config.toml in place: what was not changed stays byte for byte."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mimo_tui.config import ConfigError, load_settings
from mimo_tui.config_write import save_config

# A file as people write them: comments everywhere, a multi-line prompt whose lines look
# like settings and tables, a dotted key and a quoted key in [keys], escapes, a DEL.
USER_FILE = """\
# my mimo settings
model = "mimo-v2.5-pro"   # the big one
temperature = 0.7 # for code
system_prompt = '''
You are terse.
model = "not a setting"
[keys]
'''
theme = "mimo-dark"  # dark, always
lang = "en"\t# tab before the comment
reasoning_panel = "open"

[keys]
chat.search = "ctrl+k"   # search, as a dotted key
"chat.new" = "ctrl+n"  # a quoted key
odd.key = "f2"

[tools]
# a table the settings screen never touches
"""


def lines_except(text: str, *names: str) -> list[str]:
    return [line for line in text.splitlines(keepends=True) if not line.startswith(names)]


def test_changing_a_value_keeps_its_comment_and_everything_else(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    save_config(path, {"model": "mimo-v2-flash", "temperature": 0.3})
    text = path.read_text()
    assert 'model = "mimo-v2-flash"   # the big one\n' in text
    assert "temperature = 0.3 # for code\n" in text
    assert lines_except(text, "model =", "temperature =") == lines_except(
        USER_FILE, "model =", "temperature ="
    )
    data = tomllib.loads(text)
    assert data["system_prompt"] == 'You are terse.\nmodel = "not a setting"\n[keys]\n'


def test_dotted_and_quoted_keys_keep_their_spelling(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    save_config(path, {"chat.search": "f9", "chat.new": "f10"}, table="keys")
    text = path.read_text()
    assert 'chat.search = "f9"   # search, as a dotted key\n' in text
    assert '"chat.new" = "f10"  # a quoted key\n' in text
    assert '"chat.search"' not in text
    assert load_settings_from(tmp_path, text).keymap == {
        "chat.search": "f9",
        "chat.new": "f10",
        "odd.key": "f2",
    }


def load_settings_from(tmp_path, text: str):
    from mimo_tui.config import Paths

    paths = Paths(tmp_path / "cfg", tmp_path / "data")
    paths.config_dir.mkdir(exist_ok=True)
    paths.config_file.write_text(text)
    return load_settings(paths, env={})


def test_a_new_setting_goes_among_the_settings_and_removing_one_removes_only_it(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    save_config(path, {"max_completion_tokens": 2048})
    data = tomllib.loads(path.read_text())
    assert data["max_completion_tokens"] == 2048 and "max_completion_tokens" not in data["keys"]
    save_config(path, {"max_completion_tokens": None})
    assert path.read_text() == USER_FILE


def test_a_file_with_a_del_character_escaped_can_be_updated(tmp_path):
    path = tmp_path / "config.toml"
    original = 'system_prompt = "bell \\u0007 and del \\u007f"\nmodel = "a"\n'
    path.write_text(original)
    save_config(path, {"model": "b", "theme": "x\x7fy\x00z"})
    data = tomllib.loads(path.read_text())
    assert data["system_prompt"] == "bell \x07 and del \x7f"
    assert data["model"] == "b" and data["theme"] == "x\x7fy\x00z"
    assert path.read_text().startswith('system_prompt = "bell \\u0007 and del \\u007f"\n')


def test_windows_line_endings_are_kept(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'# c\r\nmodel = "a"  # m\r\n')
    save_config(path, {"model": "b", "lang": "zh"})
    assert path.read_bytes() == b'# c\r\nmodel = "b"  # m\r\nlang = "zh"\r\n'


def test_an_unparsable_file_is_not_touched(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("model = \n")
    with pytest.raises(ConfigError, match="not changed"):
        save_config(path, {"model": "b"})
    assert path.read_text() == "model = \n"


# Any text a setting may hold: controls, DEL, quotes, backslashes, newlines, non-BMP.
ODD_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # lone surrogates are not text
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(value=ODD_TEXT)
def test_any_string_round_trips_and_the_rest_is_byte_identical(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("save") / "config.toml"
    path.write_text(USER_FILE)
    save_config(path, {"system_prompt": value})
    text = path.read_text()
    assert tomllib.loads(text)["system_prompt"] == value
    start = USER_FILE.index("system_prompt")
    end = USER_FILE.index("theme =")
    assert text.startswith(USER_FILE[:start])
    assert text.endswith(USER_FILE[end:])


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["chat.search", "chat.new", "odd.key", "brand.new.id"]), key=ODD_TEXT)
def test_any_keys_entry_round_trips(tmp_path_factory, name, key):
    path = tmp_path_factory.mktemp("keys") / "config.toml"
    path.write_text(USER_FILE)
    save_config(path, {name: key}, table="keys")
    data = tomllib.loads(path.read_text())["keys"]
    node = data
    for part in name.split(".")[:-1]:
        node = node.get(part, {}) if isinstance(node.get(part), dict) else {}
    assert node.get(name.split(".")[-1], data.get(name)) == key


def test_tomlkit_is_not_imported_at_start_up(tmp_path):
    code = (
        "import sys\n"
        "from mimo_tui.config import Paths, load_settings\n"
        "import mimo_tui.ui.app, mimo_tui.cli\n"
        "load_settings(Paths.default(), env={})\n"
        "assert 'tomlkit' not in sys.modules, 'tomlkit loaded at start-up'\n"
    )
    env = {"XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_saving_keeps_the_files_permissions_and_leaves_no_temp_file(tmp_path, mode):
    """A config.toml the user made private stays private (it may hold MCP servers' env)."""
    import os
    import stat

    path = tmp_path / "config.toml"
    path.write_text('model = "mimo-v2.5-pro"\n')
    os.chmod(path, mode)
    save_config(path, {"thinking": False})
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert "thinking = false" in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
    fresh = tmp_path / "new" / "config.toml"
    save_config(fresh, {"thinking": False})
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_a_symlinked_config_stays_a_link_and_its_file_keeps_its_permissions(tmp_path):
    """config.toml linked from a dotfiles repository: saving edits the file in the repository
    (its mode kept), the link stays a link, no temp file is left in either folder."""
    import os
    import stat

    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "mimo.toml"
    real.write_text('model = "mimo-v2.5-pro"\n')
    os.chmod(real, 0o644)
    (tmp_path / "mimo-tui").mkdir()
    link = tmp_path / "mimo-tui" / "config.toml"
    link.symlink_to(os.path.relpath(real, link.parent))
    save_config(link, {"thinking": False})
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text() == 'model = "mimo-v2.5-pro"\nthinking = false\n'
    assert stat.S_IMODE(real.stat().st_mode) == 0o644
    assert sorted(p.name for p in (*dotfiles.iterdir(), *link.parent.iterdir())) == [
        "config.toml",
        "mimo.toml",
    ]
