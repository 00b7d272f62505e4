"""Start-up in a real pseudo-terminal: process start to the first frame with the input ready,
against a minimal Textual app showing one Static, measured in the same run.

"Drawn" means every part of the screen has reached the terminal: Textual writes a frame in
pieces (the footer can arrive before the rest), so one word of it is not enough.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Result, env_for, temp_paths

MINIMAL = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("minimal-ready")

Minimal().run()
"""


# The chat screen of a new session: top bar, the input's border, status line, footer keys of
# the focused input.
READY = (b"mimo-tui \xc2\xb7 New chat", b"\xe2\x95\xad", b"thinking on", b"Newline")


def _time_to(argv: list[str], markers: tuple[bytes, ...], env: dict[str, str]) -> float:
    """Seconds from spawning `argv` in a 100x30 pty until every one of `markers` is drawn."""
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    try:
        while not all(marker in seen for marker in markers):
            if time.perf_counter() - start > 30:
                raise RuntimeError(f"{markers!r} never all appeared: {seen[-400:]!r}")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        return time.perf_counter() - start
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)


def pty_env(paths) -> dict[str, str]:
    """The environment of a measured start: these folders, a key, no server needed."""
    env = env_for(
        paths,
        TERM="xterm-256color",
        MIMO_API_KEY="bench-key",
        MIMO_BASE_URL="http://127.0.0.1:9/v1",
        COLORTERM="truecolor",
    )
    # As installed, Python runs both apps from bytecode. PYTHONDONTWRITEBYTECODE (set in
    # some environments, this one included) would make every start compile mimo_tui from
    # source (~80 ms) while textual, installed by pip, is precompiled: not what users run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def visit(argv: list[str], ready: tuple[bytes, ...], env: dict[str, str]) -> None:
    """Run `argv` in a 100x30 pty until `ready` is drawn and a second more, then quit with
    Ctrl+Q as a user does, and wait for the app to end (what it keeps at exit is kept)."""
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    quit_sent = False
    deadline = time.perf_counter() + 30
    try:
        while proc.poll() is None and time.perf_counter() < deadline:
            if not quit_sent and all(marker in seen for marker in ready):
                time.sleep(1.0)  # the frame after the first: code in colour
                os.write(master, b"\x11")
                quit_sent = True  # from now on, only read until the app ends
            if select.select([master], [], [], 0.2)[0]:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        proc.wait(timeout=max(1.0, deadline - time.perf_counter()))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)


def paired(
    ours_argv: list[str],
    ready: tuple[bytes, ...],
    env: dict[str, str],
    repeat: int,
    before: Callable[[], object] | None = None,
) -> tuple[list[float], list[float]]:
    """Seconds to the first frame of `ours_argv` and of the minimal app, run in pairs.

    The host's speed drifts within seconds (the minimal app alone takes 170-280 ms over an
    afternoon), so each run of mimo-tui is compared with a run of the minimal app made
    beside it, in alternating order; callers take the median of the pairs' ratios.
    `before` runs before each run of mimo-tui."""
    script = Path(tempfile.mkdtemp()) / "minimal.py"
    script.write_text(MINIMAL)
    minimal_argv = [sys.executable, str(script)]
    _time_to(ours_argv, ready, env)  # writes the bytecode
    _time_to(minimal_argv, (b"minimal-ready",), env)
    ours: list[float] = []
    minimal: list[float] = []
    for i in range(repeat):
        pair = [(ours, ours_argv, ready), (minimal, minimal_argv, (b"minimal-ready",))]
        for times, argv, markers in pair if i % 2 else reversed(pair):
            if before is not None and times is ours:
                before()
            times.append(_time_to(argv, markers, env))
    return ours, minimal


def run(quick: bool = False) -> list[Result]:
    env = pty_env(temp_paths())
    repeat = 5 if quick else 15
    ours_argv = [sys.executable, "-m", "mimo_tui"]
    ours, minimal = paired(ours_argv, READY, env, repeat)
    ratios = [o / m for o, m in zip(ours, minimal, strict=True)]
    ratio = statistics.median(ratios)
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    help_s = statistics.median(_timed([*ours_argv, "--help"], env) for _ in range(7))
    pairs = f"median of {repeat} pairs; middle half {q1:.2f}-{q3:.2f}x"
    return [
        Result("startup", "minimal Textual app, first frame (median)", median_ms(minimal), "ms"),
        Result("startup", "mimo-tui, first frame with input ready (median)", median_ms(ours), "ms"),
        Result(
            "startup", f"ratio mimo-tui / minimal ({pairs})", ratio, "x", "<= 1.3x", ratio <= 1.3
        ),
        Result("startup", "mimo-tui --help", help_s * 1000, "ms"),
    ]


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def _timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    return time.perf_counter() - start
