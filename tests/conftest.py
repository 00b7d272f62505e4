"""Shared fixtures: a fresh fake MiMo over real HTTP, isolated paths, a frozen clock."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mimo_tui.client import ChatClient
from mimo_tui.config import Paths, Settings
from mimo_tui.engine import Engine
from mimo_tui.fake import FakeMimo
from mimo_tui.store import Store

KEY = "sk-test-0123456789abcdef"
FROZEN = datetime(2026, 5, 12, 9, 30, tzinfo=timezone(timedelta(hours=8)))  # a Tuesday


@pytest.fixture
def fake() -> Iterator[FakeMimo]:
    with FakeMimo(api_key=KEY) as server:
        yield server


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "config", tmp_path / "data")


@pytest.fixture
def settings(fake: FakeMimo) -> Settings:
    return Settings(api_key=KEY, base_url=fake.base_url, max_retries=0)


@pytest.fixture
def store(paths: Paths) -> Iterator[Store]:
    s = Store(paths.store_file)
    yield s
    s.close()


def make_engine(store: Store, settings: Settings, clock=lambda: FROZEN, **kw) -> Engine:
    client = ChatClient(
        settings.api_key or "",
        settings.base_url,
        idle_timeout_s=settings.idle_timeout_s,
        max_retries=settings.max_retries,
    )
    return Engine(store, client, settings, clock=clock, **kw)


@pytest.fixture
def engine(store: Store, settings: Settings) -> Engine:
    return make_engine(store, settings)


async def collect(events) -> list:
    return [event async for event in events]


def cli_env(tmp_path: Path, fake: FakeMimo | None, **extra: str) -> dict[str, str]:
    """Environment for a `mimo-tui` subprocess: isolated XDG dirs, the fake's URL and key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIMO_", "OPENAI_"))}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
    )
    if fake is not None:
        env.update(MIMO_API_KEY=KEY, MIMO_BASE_URL=fake.base_url)
    env.update(extra)
    return env


def run_python(code: str, tmp_path: Path, fake: FakeMimo | None) -> str:
    """Run `code` in a fresh interpreter (nothing imported yet) with a CLI subprocess's
    environment; its stdout. Fails the test if it exits with an error."""
    import subprocess

    result = subprocess.run(
        [PYTHON, "-c", code],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def cli_paths(tmp_path: Path) -> Paths:
    """The paths a CLI subprocess run with `cli_env` uses."""
    return Paths(tmp_path / "config" / "mimo-tui", tmp_path / "data" / "mimo-tui")


PYTHON = sys.executable
__all__ = ["FROZEN", "KEY", "PYTHON", "cli_env", "cli_paths", "collect", "make_engine", "replace"]


@pytest.fixture(autouse=True)
def _no_clipboard_program(monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy in a test never reaches this machine's clipboard (ui/clipboard.py falls back to
    wl-copy/xclip when the terminal may not take OSC 52): no display to find them by."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "WSL_DISTRO_NAME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _block_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    """The attachment preview draws block characters in every test unless the test asks for
    a protocol: what a test sees never depends on the terminal it was started from (kitty,
    tmux, ...); tests/test_inline_image.py checks the choice itself."""
    monkeypatch.setenv("MIMO_TUI_IMAGES", "blocks")


@pytest.fixture
def utc(monkeypatch):
    """Relative dates count calendar days in local time: snapshots are taken in UTC
    (`pytestmark = pytest.mark.usefixtures("utc")`)."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
