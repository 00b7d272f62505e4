"""Leave when the terminal goes away: a SIGHUP, or a tty that hung up while SIGHUP is ignored.

Closing the window a TUI runs in hangs its terminal up. The kernel sends SIGHUP, whose default
action kills the process on the spot (a reply in flight stays `streaming` in the store until
the next start tidies it); and when SIGHUP is ignored (inherited from `nohup`, or from a
wrapper such as `script` in tmux) nothing ends the app at all: Textual's input thread reads
EOF in a loop, writes fail with EIO, and the app lived on headless, still streaming. So both
ways end in the same clean exit: `on_hang_up` is awaited on the event loop, once.

The tty is watched by a thread blocked in poll(2) for POLLHUP/POLLERR only: it costs nothing
until the terminal goes, and never reads a byte (the input is Textual's).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any

HANGUP_EXIT = 128 + signal.SIGHUP  # the shell's code for "ended by a hang-up"
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_fds() -> list[int]:
    """The file descriptors of the terminal the app draws on and reads from."""
    fds: list[int] = []
    for stream in (sys.__stdin__, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            fd = stream.fileno()  # type: ignore[union-attr]
            if os.isatty(fd) and fd not in fds:
                fds.append(fd)
    return fds


def watch_terminal(on_hang_up: Callable[[], Coroutine[Any, Any, None]], fds: list[int]) -> None:
    """Call `on_hang_up()` on the running loop when SIGHUP arrives or a tty in `fds` hangs up."""
    loop = asyncio.get_running_loop()
    fired = threading.Event()
    tasks: list[asyncio.Task[None]] = []  # a reference, so the task is not collected mid-way

    def fire() -> None:  # on the loop
        if not fired.is_set():
            fired.set()
            tasks.append(loop.create_task(on_hang_up()))

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGHUP, fire)
    if not fds:
        return

    def wait() -> None:  # in the thread
        poller = select.poll()
        for fd in fds:
            poller.register(fd, _GONE)
        while True:
            try:
                events = poller.poll()
            except InterruptedError:
                continue
            except OSError:
                return
            if any(mask & _GONE for _fd, mask in events):
                with contextlib.suppress(RuntimeError):  # the loop closed: the app has ended
                    loop.call_soon_threadsafe(fire)
                return

    threading.Thread(target=wait, daemon=True, name="tty-hangup").start()


def detach(fds: list[int]) -> None:
    """Point the dead terminal's descriptors at /dev/null.

    Textual's shutdown writes to the terminal (leave the alternate screen, show the cursor)
    through a thread and a bounded queue: with the tty gone those writes fail or block, and
    the shutdown waited on the queue for ever. Written to /dev/null they succeed, and reads
    get EOF, so the app ends the ordinary way.
    """
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
    finally:
        os.close(null)
