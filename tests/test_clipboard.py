"""The clipboard: OSC 52 where the terminal takes it, a clipboard program where it may not,
and a toast that says which was used (ui/clipboard.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mimo_tui.ui.clipboard import clipboard_program, copy_text, osc52_support
from tests.tui_helpers import make_app, send, wait_until

SIZE = (100, 30)


def fake_program(bin_dir: Path, name: str, out: Path) -> Path:
    """A stand-in clipboard program: writes what it is given on stdin to `out`."""
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / name
    exe.write_text(f"#!/bin/sh\ncat > '{out}'\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


@pytest.mark.parametrize(
    ("env", "support"),
    [
        ({"TERM": "xterm-kitty"}, "yes"),
        ({"TERM": "xterm-256color", "TMUX": "/tmp/tmux-0/default,1,0"}, "yes"),
        ({"TERM_PROGRAM": "WezTerm"}, "yes"),
        ({"TERM_PROGRAM": "iTerm.app"}, "yes"),
        ({"TERM": "xterm-256color", "VTE_VERSION": "7600"}, "no"),  # GNOME Terminal
        ({"TERM_PROGRAM": "Apple_Terminal"}, "no"),
        ({"TERM": "xterm-256color"}, "unknown"),
        ({"TERM_PROGRAM": "textual"}, "unknown"),  # the serve page: only localhost/https
    ],
)
def test_osc52_support_is_read_from_what_the_terminal_announces(env, support):
    assert osc52_support(env) == support


def test_the_clipboard_program_follows_the_display(tmp_path):
    bin_dir = tmp_path / "bin"
    for name in ("wl-copy", "xclip", "pbcopy"):
        fake_program(bin_dir, name, tmp_path / "out")
    path = str(bin_dir)
    assert clipboard_program({"PATH": path, "WAYLAND_DISPLAY": "wayland-0"}, "linux") == [
        str(bin_dir / "wl-copy")
    ]
    assert clipboard_program({"PATH": path, "DISPLAY": ":0"}, "linux") == [
        str(bin_dir / "xclip"),
        "-selection",
        "clipboard",
    ]
    assert clipboard_program({"PATH": path}, "darwin") == [str(bin_dir / "pbcopy")]
    assert clipboard_program({"PATH": path}, "linux") is None  # no display: nothing to reach


async def test_a_terminal_without_osc52_copies_through_xclip_and_the_toast_says_so(
    settings, paths, fake, tmp_path, monkeypatch
):
    out = tmp_path / "clipboard.txt"
    fake_program(tmp_path / "bin", "xclip", out)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("VTE_VERSION", "7600")
    for name in ("TMUX", "TERM_PROGRAM", "KITTY_WINDOW_ID", "WEZTERM_PANE", "WT_SESSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    fake.queue("text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(pilot, "hello")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: any("xclip" in n.message for n in app._notifications))
        toast = next(n.message for n in app._notifications if "xclip" in n.message)
        assert toast.startswith("Copied ") and toast.endswith("(xclip).")
        assert out.read_text(encoding="utf-8") == app.clipboard != ""
    runtime.close()


def test_a_terminal_with_osc52_needs_no_program(tmp_path):
    class App:
        clipboard = ""

        def copy_to_clipboard(self, text: str) -> None:
            self.clipboard = text

    out = tmp_path / "clipboard.txt"
    fake_program(tmp_path / "bin", "xclip", out)
    app = App()
    env = {"PATH": str(tmp_path / "bin"), "DISPLAY": ":0", "TERM": "xterm-kitty"}
    assert copy_text(app, "hi", env) == "OSC 52"  # type: ignore[arg-type]
    assert app.clipboard == "hi" and not out.exists()
    env["TERM"] = "xterm-256color"  # unknown: both
    assert copy_text(app, "both", env) == "OSC 52 and xclip"  # type: ignore[arg-type]
    assert out.read_text(encoding="utf-8") == "both"
