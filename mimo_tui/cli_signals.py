"""Ctrl+C and closed pipes for the command line: ended the way a Unix tool ends them.

Ctrl+C in `ask` must never be lost. asyncio.run's own handler only cancels the task, and a
cancellation is delivered at the task's next suspension: a reply whose chunks are already
buffered is parsed, stored and printed to the end without one, and a cancellation swallowed
anywhere below (SDK, transport) would be gone for good. So `ask` notes the key press at once,
checks the note at every event of the turn, and keeps cancelling until the turn has stopped.

A reader that goes away (`mimo-tui sessions list | head -1`) is no error: the command stops
quietly with exit code 141 (128 + SIGPIPE, what the shell reports for `cat` in that pipe).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from types import FrameType
from typing import Any

EXIT_PIPE = 141  # 128 + SIGPIPE
RECANCEL_S = 0.5  # how often a cancellation nobody acted on is repeated


class CtrlC:
    """SIGINT for one `ask` turn: `pressed` is set the moment the signal arrives (a Python
    signal handler runs between bytecodes, even while the loop is busy), the task is
    cancelled from the loop, and again every RECANCEL_S until `stopped()` says the turn has
    ended. A second Ctrl+C raises KeyboardInterrupt, as asyncio.run's handler does."""

    def __init__(self, task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop) -> None:
        self.task, self.loop = task, loop
        self.pressed = False
        self._stopped = False
        self._previous: Any = None  # the SIGINT handler to restore

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True
        self.loop.call_soon_threadsafe(self._cancel)

    def _cancel(self) -> None:
        if self._stopped or self.task.done():
            return
        self.task.cancel()
        self.loop.call_later(RECANCEL_S, self._cancel)

    def check(self) -> None:
        """Raise CancelledError once Ctrl+C was pressed: called at every event of the turn."""
        if self.pressed:
            raise asyncio.CancelledError

    def stopped(self) -> None:
        """The turn has stopped: no more cancelling (the clean-up must be able to await)."""
        self._stopped = True
        while self.task.cancelling():
            self.task.uncancel()

    def install(self) -> None:
        """Handle SIGINT from now on (until uninstall); outside the main thread, leave it."""
        try:
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
        except ValueError:
            self._previous = None

    def uninstall(self) -> None:
        self._stopped = True
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def quiet_stdout() -> None:
    """The reader of stdout (and maybe stderr) went away: point both at /dev/null so that
    nothing more, not even the interpreter's final flush, fails and prints a traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):  # no real file behind it
            continue
    os.close(devnull)
