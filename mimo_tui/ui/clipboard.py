"""Copy to the clipboard wherever the app runs: OSC 52 first, a clipboard program after.

OSC 52 asks the terminal to set the clipboard, which works over ssh and inside tmux, but a
terminal that does not support it ignores it without a word (GNOME Terminal and the other
VTE terminals, macOS Terminal; the browser page of `mimo-tui serve` over plain http). So:
- the text always goes out as OSC 52 (and into Textual's own clipboard, for pasting inside
  the app);
- when the terminal is known not to take it, or is unknown, a clipboard program of this
  machine gets the text too: `wl-copy` under Wayland, `xclip` or `xsel` under X11,
  `pbcopy` on macOS, `clip.exe` under WSL;
- the toast says which was used, so a copy that went nowhere is not a silent surprise.

`copy_text(app, text)` copies and says how; `copy_and_notify` adds the toast. Other modules
call these rather than `App.copy_to_clipboard`.

What is copied is made visible first (control characters as their pictures, as on screen):
a copy is pasted into shells, where a reply's ESC[201~ would end a bracketed paste early and
run the lines after it, and a bidi override would disguise the command being pasted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import Literal

from textual.app import App

from mimo_tui.text import visible

OSC52 = "OSC 52"
PROGRAM_TIMEOUT_S = 3.0

Support = Literal["yes", "no", "unknown"]

# TERM_PROGRAM values of terminals that set the clipboard from OSC 52, and of those that don't.
_YES_PROGRAMS = {"iterm.app", "wezterm", "ghostty", "tmux", "vscode", "contour", "rio", "tabby"}
_NO_PROGRAMS = {"apple_terminal"}
# "textual" (the browser page of `mimo-tui serve`) is left unknown: its xterm.js takes OSC 52,
# but a browser lets a page write the clipboard only from localhost or over https.
_YES_TERMS = ("xterm-kitty", "alacritty", "foot", "wezterm", "xterm-ghostty", "tmux", "screen")


def osc52_support(env: Mapping[str, str]) -> Support:
    """Whether the terminal described by `env` sets the clipboard from OSC 52.

    There is no reliable way to ask a terminal (the OSC 52 query is answered by few, and
    refused by the careful), so this goes by what terminals announce in the environment.
    """
    program = env.get("TERM_PROGRAM", "").lower()
    term = env.get("TERM", "").lower()
    if program in _NO_PROGRAMS:
        return "no"
    if env.get("TMUX") or program in _YES_PROGRAMS or term.startswith(_YES_TERMS):
        return "yes"  # tmux takes it (set-clipboard) and passes it on where it can
    if any(env.get(name) for name in ("KITTY_WINDOW_ID", "WEZTERM_PANE", "ALACRITTY_WINDOW_ID")):
        return "yes"
    if env.get("WT_SESSION"):  # Windows Terminal
        return "yes"
    if env.get("VTE_VERSION") or env.get("KONSOLE_VERSION"):
        return "no"  # GNOME Terminal, Tilix, Terminator...; Konsole before 24.12
    return "unknown"


def clipboard_program(env: Mapping[str, str], platform: str = sys.platform) -> list[str] | None:
    """The command line of this machine's clipboard program that can take the text, if any."""
    path = env.get("PATH", os.defpath)

    def found(name: str) -> str | None:
        return shutil.which(name, path=path)

    candidates: list[list[str]] = []
    if platform == "darwin":
        candidates.append(["pbcopy"])
    if env.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if env.get("DISPLAY"):
        candidates += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    if env.get("WSL_DISTRO_NAME"):
        candidates.append(["clip.exe"])
    for argv in candidates:
        exe = found(argv[0])
        if exe:
            return [exe, *argv[1:]]
    return None


def _run_program(argv: list[str], text: str) -> bool:
    """Hand `text` to a clipboard program on its stdin. Its output goes nowhere: xclip and
    wl-copy stay behind to serve the selection, and a pipe they keep open would hang us."""
    try:
        result = subprocess.run(
            argv,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=PROGRAM_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def copy_text(app: App, text: str, env: Mapping[str, str] | None = None) -> str:
    """Copy `text` to the clipboard; how it went, for a toast (e.g. `OSC 52`, `xclip`,
    `OSC 52 and wl-copy`, or `OSC 52 (this terminal may ignore it)`)."""
    env = os.environ if env is None else env
    text = visible(text)  # see the module doc
    app.copy_to_clipboard(text)  # OSC 52, and the app's own clipboard for pasting inside it
    support = osc52_support(env)
    if support == "yes":
        return OSC52
    argv = clipboard_program(env)
    if argv and _run_program(argv, text):
        name = os.path.basename(argv[0])
        return name if support == "no" else f"{OSC52} and {name}"
    if support == "no":
        return f"{OSC52} (this terminal may ignore it; install wl-copy, xclip or xsel)"
    return OSC52


def copy_and_notify(app: App, text: str, what: str | None = None) -> str:
    """Copy `text` and say so in a toast: what was copied and how. Returns the how."""
    how = copy_text(app, text)
    what = what or f"{len(text)} characters"
    app.notify(f"Copied {what} ({how}).", markup=False, timeout=3)
    return how
