"""Run one tool command as a child process: argv, no shell, its own process group.

The engine's approval and bookkeeping (mimo_tui.tool_runner) should not have to know how a
child is fed, capped, timed out and cleaned up, and the MCP hub stops its stdio servers' groups
with the same probe; both import this module. The JSON arguments go on stdin; stdout is kept to
MAX_OUTPUT bytes (the rest is read and dropped, so the child never blocks); after every exit,
timeout or cancel the whole group is stopped, so a background child (`cmd &`) never outlives
the call. The environment a child gets (`tool_env`) lacks the API key and every secret MIMO_*
variable unless the tool's `pass_env` names it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path
from typing import NamedTuple

from mimo_tui.tools import MAX_OUTPUT


class Outcome(NamedTuple):
    """How one command ended: its decoded output (stdout capped), exit code, and why not."""

    stdout: str
    stderr: str
    exit_code: int | None
    truncated: bool
    timed_out: bool


async def _read_capped(stream: asyncio.StreamReader) -> tuple[bytes, bool]:
    """Read everything (so the child never blocks), keep the first MAX_OUTPUT bytes."""
    kept = bytearray()
    truncated = False
    while chunk := await stream.read(65536):
        room = MAX_OUTPUT - len(kept)
        if room > 0:
            kept += chunk[:room]
        if len(chunk) > room:
            truncated = True
    return bytes(kept), truncated


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


STOP_GRACE_S = 0.5  # how long what a tool left running gets to exit on SIGTERM


def group_alive(pgid: int) -> bool:
    """Whether anything but zombies is left in process group `pgid` (tools and MCP servers)."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return _live_member(pgid)


def _live_member(pgid: int) -> bool:
    """Whether a member of the group is more than a zombie. Signal 0 reaches zombies too, and
    an orphan stays one where PID 1 never reaps (containers): /proc tells them apart."""
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return True  # no /proc: trust the signal
    for pid in pids:
        try:  # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
            with open(f"/proc/{pid}/stat", "rb") as fh:
                state, _ppid, pgrp = fh.read().rsplit(b")", 1)[1].split()[:3]
            if int(pgrp) == pgid and state not in (b"Z", b"X"):
                return True
        except (OSError, ValueError):
            continue
    return False


async def _stop_group(pgid: int) -> None:
    """End what a finished tool left running in its group (`cmd &`): SIGTERM, then SIGKILL.

    The common case (nothing left) costs one signal-0 probe; only a leftover waits the grace.
    """
    if not group_alive(pgid):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while group_alive(pgid) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)  # a bounded grace period, not a synchronisation
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)  # also whatever ignored SIGTERM (zombies don't mind)


def is_secret_name(name: str) -> bool:
    """MIMO_API_KEY and any MIMO_* variable named like a credential."""
    if not name.startswith("MIMO_"):
        return False
    rest = name[len("MIMO_") :].upper()
    return any(word in rest for word in ("KEY", "TOKEN", "SECRET", "PASSWORD"))


def tool_env(
    pass_env: tuple[str, ...] = (), environ: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment a user tool runs with: ours, minus the secrets it was not given."""
    source = dict(os.environ) if environ is None else environ
    return {k: v for k, v in source.items() if k in pass_env or not is_secret_name(k)}


async def run_command(
    argv: list[str],
    stdin: bytes,
    timeout_s: float,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Outcome:
    """Run argv without a shell in its own process group; stop the whole group after it
    exits, times out or is cancelled."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    pipe_in = proc.stdin

    async def feed() -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            pipe_in.write(stdin)
            await pipe_in.drain()
            pipe_in.close()

    work = asyncio.gather(feed(), _read_capped(proc.stdout), _read_capped(proc.stderr))
    try:
        _, (out, out_cut), (err, _) = await asyncio.wait_for(work, timeout_s)
        code = await proc.wait()
        timed_out = False
        await _stop_group(proc.pid)
    except TimeoutError:
        _kill_group(proc)
        await proc.wait()
        return Outcome("", "", None, False, True)
    except BaseException:
        _kill_group(proc)
        work.cancel()
        # Collect the cancelled readers' outcome, so asyncio never logs "exception was never
        # retrieved" at exit.
        work.add_done_callback(lambda f: f.cancelled() or f.exception())
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), 2)
        raise
    return Outcome(
        out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), code, out_cut, timed_out
    )


def result_text(outcome: Outcome) -> str:
    """What the model reads: stdout on success, a labelled error otherwise."""
    text = outcome.stdout
    if outcome.truncated:
        text += f"\n[output truncated at {MAX_OUTPUT // 1024} KiB]"
    if outcome.exit_code == 0:
        return text
    parts = [f"error: the tool exited with status {outcome.exit_code}"]
    if outcome.stderr.strip():
        parts.append(f"stderr:\n{outcome.stderr.strip()[:4000]}")
    if text.strip():
        parts.append(f"stdout:\n{text}")
    return "\n".join(parts)
