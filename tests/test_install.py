"""The install lines users type: `pipx install .` and `uv tool install .` each give a working
`mimo-tui` in an environment of its own (fresh tool and cache folders, nothing reused), and
`--version` names what a bug report needs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PYTHON, cli_env

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(PYTHON).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip(f"{name} is not installed (the test extra installs it)")
    return found


def works(tmp_path: Path, exe: Path) -> None:
    """The installed command starts, says its versions, and answers with the offline demo."""
    version = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert version.stdout.startswith("mimo-tui ") and "Python 3." in version.stdout
    assert "Textual " in version.stdout
    answer = subprocess.run(
        [str(exe), "ask", "--demo", "hi"],
        env=cli_env(tmp_path, None),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr
    assert "You said: **hi**" in answer.stdout


def test_uv_tool_install_gives_a_working_command(tmp_path):
    uv = tool("uv")
    env = {
        **os.environ,
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "UV_CACHE_DIR": str(tmp_path / "cache"),
    }
    subprocess.run(
        [uv, "tool", "install", "--quiet", "--python", PYTHON, str(ROOT)],
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=300,
    )
    works(tmp_path, tmp_path / "bin" / "mimo-tui")


def test_pipx_install_gives_a_working_command(tmp_path):
    pipx = tool("pipx")
    env = {
        **os.environ,
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    subprocess.run(
        [pipx, "install", "--quiet", "--python", PYTHON, str(ROOT)],
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=300,
    )
    works(tmp_path, tmp_path / "bin" / "mimo-tui")
