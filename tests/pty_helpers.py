"""Run the real `mimo-tui` in a pseudo-terminal and read exactly the bytes it sends there.

Pilot shows what Textual meant to draw; only a pty shows what reaches the terminal, byte for
byte (an ESC that Rich passes through, an 8-bit C1 control encoded as UTF-8). The child gets
the pty as its controlling terminal (so closing it is a hang-up, as when a window closes),
TERM=xterm-256color and a window size set with TIOCSWINSZ; a thread copies everything it
writes into a buffer that tests wait on (`wait_for`), never sleeping a fixed time.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.conftest import PYTHON, cli_env

# The child becomes a session leader (start_new_session) and takes its stdin, the pty, as
# its controlling terminal before it runs the program: closing the master then hangs it up.
_CTTY_SHIM = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)

KEYS = {
    "enter": b"\r",
    "escape": b"\x1b",
    "tab": b"\t",
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "f4": b"\x1bOS",
    "f8": b"\x1b[19~",
    "ctrl+q": b"\x11",
}


class Screen:
    """A minimal terminal screen, enough to read back what Textual drew: it follows cursor
    positioning (CUP, CUU/CUD/CUF/CUB, CHA), CR/LF, erase in line/display, and skips every
    other CSI, OSC and escape. Textual moves the cursor inside runs of text (a word can be
    split by `ESC[16;49H`), so the drawn text is read from this grid, not from the bytes."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.row = self.col = 0
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        self._state = "text"
        self._params = ""

    def feed(self, data: bytes) -> None:
        for char in self._decode(data):
            self._char(char)

    def _char(self, char: str) -> None:
        state = self._state
        if state == "esc":
            self._state = {"[": "csi", "]": "osc", "P": "osc"}.get(char, "text")
            self._params = ""
        elif state == "csi":
            if "@" <= char <= "~":
                self._csi(char)
                self._state = "text"
            else:
                self._params += char
        elif state in ("osc", "osc-esc"):  # ends with BEL or ST (ESC \\)
            if char == "\x07" or (state == "osc-esc" and char == "\\") or char == "\x9c":
                self._state = "text"
            else:
                self._state = "osc-esc" if char == "\x1b" else "osc"
        elif char == "\x1b":
            self._state = "esc"
        elif char == "\x9b":
            self._state, self._params = "csi", ""
        elif char == "\x9d":
            self._state = "osc"
        elif char == "\r":
            self.col = 0
        elif char == "\n":
            self.row = min(self.row + 1, self.rows - 1)
        elif char >= " " and not "\x7f" <= char <= "\x9f":
            self._put(char)

    def _put(self, char: str) -> None:
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        if self.col >= self.cols:
            return
        self.grid[self.row][self.col] = char
        self.col += 1
        if wide and self.col < self.cols:
            self.grid[self.row][self.col] = ""
            self.col += 1

    def _csi(self, final: str) -> None:
        if self._params.startswith(("?", ">", "<", "=")):
            return  # private modes: nothing drawn
        args = [int(a) if a.isdigit() else 0 for a in self._params.split(";")]
        n = max(args[0], 1) if args else 1
        if final in "Hf":
            row = args[0] if args else 1
            col = args[1] if len(args) > 1 else 1
            self.row = min(max(row, 1), self.rows) - 1
            self.col = min(max(col, 1), self.cols) - 1
        elif final == "A":
            self.row = max(self.row - n, 0)
        elif final == "B":
            self.row = min(self.row + n, self.rows - 1)
        elif final == "C":
            self.col = min(self.col + n, self.cols)
        elif final == "D":
            self.col = max(self.col - n, 0)
        elif final == "G":
            self.col = min(n, self.cols) - 1
        elif final == "K":
            mode = args[0] if args else 0
            start, end = {1: (0, self.col + 1), 2: (0, self.cols)}.get(mode, (self.col, self.cols))
            self.grid[self.row][start:end] = [" "] * (min(end, self.cols) - start)
        elif final == "J" and (args[0] if args else 0) == 2:
            self.grid = [[" "] * self.cols for _ in range(self.rows)]

    def lines(self) -> list[str]:
        return ["".join(line) for line in self.grid]

    def text(self) -> str:
        return "\n".join(self.lines())


class PtyApp:
    """One `python -m mimo_tui ...` child on a pty of `cols` x `rows`; `output` is all it wrote.

    With `controlling=False` the pty is not the child's controlling terminal: closing it
    sends no SIGHUP, as for a program whose hang-up signal went elsewhere.
    """

    def __init__(
        self,
        args: Sequence[str],
        env: dict[str, str],
        cols: int = 120,
        rows: int = 40,
        cwd: str | Path | None = None,
        controlling: bool = True,
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            [*([PYTHON, "-c", _CTTY_SHIM] if controlling else []), PYTHON, "-m", "mimo_tui", *args],
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self._buffer = bytearray()
        self.screen = Screen(cols, rows)  # what a terminal of that size shows now
        self._changed = threading.Condition()
        self.eof = False  # the child closed the pty (every copy of the slave side)
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True, name="pty-reader")
        self._reader.start()

    def _read(self) -> None:
        # A read blocked on the master would keep it open after os.close() (the hang-up
        # happens when the last reference goes): poll, so `hang_up` can stop the reader first.
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child side is closed; EBADF: we closed the master
                chunk = b""
            with self._changed:
                if not chunk:
                    self.eof = True
                    self._changed.notify_all()
                    return
                self._buffer += chunk
                self.screen.feed(chunk)
                self._changed.notify_all()
        with self._changed:
            self.eof = True
            self._changed.notify_all()

    @property
    def output(self) -> bytes:
        with self._changed:
            return bytes(self._buffer)

    def mark(self) -> int:
        """Where the output is now: `wait_for(..., since=mark)` looks only at what follows."""
        return len(self.output)

    def wait_for(
        self,
        wanted: bytes | Callable[[bytes], bool],
        timeout: float = 60.0,
        since: int = 0,
    ) -> bytes:
        """Wait until the output after `since` contains `wanted` (or satisfies it); the
        output. Fails with the tail of what was seen if the child exits or time runs out."""
        test = wanted if callable(wanted) else (lambda seen: wanted in seen)
        deadline = time.monotonic() + timeout
        with self._changed:
            while not test(bytes(self._buffer[since:])):
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    tail = bytes(self._buffer[-1500:])
                    why = "the app closed the terminal" if self.eof else "timed out"
                    raise AssertionError(f"{why} waiting for {wanted!r}; last output: {tail!r}")
                self._changed.wait(min(left, 0.5))
            return bytes(self._buffer)

    def wait_for_text(self, wanted: str | Callable[[str], bool], timeout: float = 60.0) -> str:
        """Wait until the screen shows `wanted` (or satisfies it); the screen's text. Fails
        with the screen as it was if the child exits or time runs out."""
        test = wanted if callable(wanted) else (lambda text: wanted in text)
        deadline = time.monotonic() + timeout
        with self._changed:
            while not test(self.screen.text()):
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    why = "the app closed the terminal" if self.eof else "timed out"
                    raise AssertionError(
                        f"{why} waiting for {wanted!r} on screen:\n{self.screen.text()}"
                    )
                self._changed.wait(min(left, 0.5))
            return self.screen.text()

    def write(self, data: bytes | str) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.write(KEYS[key])

    def wait_exit(self, timeout: float = 30.0) -> int:
        return self.proc.wait(timeout=timeout)

    def hang_up(self) -> None:
        """Close our side of the terminal, as a terminal window does when it is closed."""
        self._stop.set()
        self._reader.join(timeout=5)
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        """Quit the child if it still runs (Ctrl+Q, then SIGTERM, then SIGKILL) and close."""
        if self.proc.poll() is None and self.master >= 0:
            try:
                self.press("ctrl+q")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=10)
        self._stop.set()
        self._reader.join(timeout=5)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_on_pty(
    args: Sequence[str], env: dict[str, str], timeout: float = 60.0, **kw
) -> tuple[bytes, int]:
    """A CLI command run to completion on a pty: every byte it wrote there, and its exit code."""
    with PtyApp(args, env, **kw) as app:
        app.wait_for(lambda _seen: app.eof, timeout=timeout)
        code = app.wait_exit(timeout)
        return app.output, code


__all__ = ["KEYS", "PtyApp", "Screen", "cli_env", "run_on_pty"]
