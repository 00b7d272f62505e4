"""The CLI as a Unix tool: a reader that goes away (`| head`) and Ctrl+C, in real processes.

Every wait here is on something observable (output in a pipe, a full pipe), never on time.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import termios
import time
from collections.abc import Callable

import pytest

from mimo_tui.fake.scenarios import Scenario
from mimo_tui.store import Store
from tests.conftest import PYTHON, cli_env, cli_paths

PIPE_SIZE = 4096  # the smallest pipe Linux makes: the tests fill it on purpose


def small_pipe() -> tuple[int, int]:
    """A pipe that holds PIPE_SIZE bytes, so a writer blocks after that many."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    return read_end, write_end


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)  # polling another process's pipe: there is no event to wait on


def pending(fd: int) -> int:
    """Bytes waiting in a pipe (FIONREAD)."""
    return int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"), "little")


def stored_reply(tmp_path):
    store = Store(cli_paths(tmp_path).store_file)
    try:
        return store.messages(store.get_session("last").id)[1]
    finally:
        store.close()


def start(tmp_path, fake, args, stdout, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", *args],
        env=cli_env(tmp_path, fake, **env),
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


def run_into_closed_pipe(tmp_path, fake, args, **env) -> subprocess.CompletedProcess:
    """Run with stdout a pipe whose reader is already gone (`| head -0`, or head done)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = start(tmp_path, fake, args, write_end, **env)
    finally:
        os.close(write_end)
    _, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(args, proc.returncode, b"", err)


def import_a_session(tmp_path) -> None:
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "sessions", "import", "-"],
        input=b'[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]',
        env=cli_env(tmp_path, None),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("buffered", [False, True], ids=["unbuffered", "buffered"])
@pytest.mark.parametrize(
    "args",
    [["sessions", "list"], ["sessions", "show", "last"], ["themes"], ["config"], ["usage"]],
    ids=" ".join,
)
def test_a_reader_gone_ends_the_command_quietly_with_141(tmp_path, args, buffered):
    import_a_session(tmp_path)
    result = run_into_closed_pipe(tmp_path, None, args, PYTHONUNBUFFERED="" if buffered else "1")
    err = result.stderr.decode()
    assert "Traceback" not in err and "Exception ignored" not in err and "Broken" not in err
    assert err == ""
    assert result.returncode == 141


def test_a_reader_gone_mid_reply_stops_ask_and_keeps_what_arrived(tmp_path, fake):
    """`mimo-tui ask ... | head -c 100`: the reply in the store is what had arrived, marked
    interrupted; the process ends quietly with 141 instead of streaming into the void."""
    token = "x" * 399 + " "
    fake.queue(Scenario(content=token * 200))  # 80 kB: far more than the pipe holds
    read_end, write_end = small_pipe()
    proc = start(tmp_path, fake, ["ask", "long please"], write_end)
    os.close(write_end)
    first = os.read(read_end, 100)  # the reply has begun
    os.close(read_end)  # the reader goes away, like head after its lines
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and err == b""
    assert proc.returncode == 141
    reply = stored_reply(tmp_path)
    assert reply.status == "interrupted"
    assert reply.content.startswith(first.decode()) and len(reply.content) < len(token * 200)


def test_ctrl_c_in_ask_stops_a_reply_that_has_already_arrived(tmp_path, fake):
    """The whole reply is in the process's buffers (one read) when Ctrl+C comes, so the
    stream never waits on the network again. Ctrl+C must still stop it there: the output
    ends, the reply is stored as far as it got, marked interrupted, exit 130."""
    token = "y" * 199 + " "
    content = token * 60  # 12 kB of answer, ~30 kB on the wire: one read, three pipes full
    fake.queue(Scenario(content=content, burst=True))
    read_end, write_end = small_pipe()
    proc = start(tmp_path, fake, ["ask", "all at once"], write_end)
    os.close(write_end)
    # The pipe is full (no room for another piece): `ask` is mid-reply, blocked writing.
    wait_for(lambda: pending(read_end) > PIPE_SIZE - len(token) or proc.poll() is not None)
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    with os.fdopen(read_end, "rb") as reader:
        out = reader.read()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"cancelled" in err and b"Traceback" not in err
    printed = out.decode()
    assert len(printed) < len(content) / 2  # stopped, not streamed to the end
    reply = stored_reply(tmp_path)
    assert reply.status == "interrupted" and reply.content.startswith(printed.rstrip("\n"))
