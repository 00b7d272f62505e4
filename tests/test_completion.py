"""Shell completion: scripts generated from the parser, loaded into a real bash, completing
sub-commands, flags, session ids and model ids."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mimo_tui.catalogue import CATALOGUE
from mimo_tui.store import Store
from tests.conftest import PYTHON, cli_env, cli_paths

BIN = str(Path(PYTHON).parent)  # where this environment's `mimo-tui` is, for the scripts


def script(tmp_path: Path, shell: str) -> str:
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "completion", shell],
        env=cli_env(tmp_path, None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def bash_complete(tmp_path: Path, words: list[str]) -> list[str]:
    """What bash offers for the last of `words` with the generated script loaded."""
    path = tmp_path / "mimo-tui.bash"
    path.write_text(script(tmp_path, "bash"), encoding="utf-8")
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"source '{path}' || exit 9\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
        f"COMP_LINE={quoted!r}; COMP_POINT=${{#COMP_LINE}}\n"
        "_shtab_mimo_tui\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = cli_env(tmp_path, None, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def test_the_bash_script_completes_every_sub_command(tmp_path):
    offered = bash_complete(tmp_path, ["mimo-tui", ""])
    for command in ("ask", "sessions", "usage", "config", "key", "serve", "completion"):
        assert command in offered


def test_flags_and_model_ids_complete(tmp_path):
    assert bash_complete(tmp_path, ["mimo-tui", "ask", "--show-r"]) == ["--show-reasoning"]
    assert set(bash_complete(tmp_path, ["mimo-tui", "ask", "-m", ""])) == set(CATALOGUE)
    assert "--port" in bash_complete(tmp_path, ["mimo-tui", "serve", "--p"])


def test_session_ids_complete_from_the_store(tmp_path):
    store = Store(cli_paths(tmp_path).store_file)
    session = store.create_session(model="mimo-v2.5-pro")
    store.close()
    offered = bash_complete(tmp_path, ["mimo-tui", "sessions", "show", ""])
    assert session.id in offered and "last" in offered
    assert session.id in bash_complete(tmp_path, ["mimo-tui", "--session", session.id[:4]])


def test_listing_sessions_creates_no_store(tmp_path):
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "completion", "--list", "sessions"],
        env=cli_env(tmp_path, None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == ""
    assert not cli_paths(tmp_path).store_file.exists()


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_name_every_sub_command(tmp_path, shell):
    text = script(tmp_path, shell)
    for command in ("ask", "sessions", "serve", "completion"):
        assert command in text
    assert "mimo-tui completion --list sessions" in text
    program = shutil.which(shell)
    if program:  # where the shell is installed, the script must at least parse
        check = ["-n"] if shell == "zsh" else ["--no-execute"]
        path = tmp_path / f"mimo-tui.{shell}"
        path.write_text(text, encoding="utf-8")
        result = subprocess.run([program, *check, str(path)], capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
