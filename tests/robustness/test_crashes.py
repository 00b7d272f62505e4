"""Crashes and concurrency: kill -9 of the TUI and of `ask` mid-reply and mid-tool, Ctrl+C,
two instances on one store, a store from a newer version. Nothing the user had is lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable

import pytest

from mimo_tui.fake.scenarios import Scenario
from mimo_tui.model import Message
from mimo_tui.replay import build_replay
from mimo_tui.store import Store, StoreError
from tests.conftest import PYTHON, cli_env, cli_paths

# Stalls after 200 chunks and never ends on its own: a kill or Ctrl+C always lands mid-reply,
# however slow a loaded machine makes the test.
SLOW = Scenario(reasoning="Thinking it over.", content="word " * 400, delay_s=0.02, stall_after=200)
SLEEPY_TOOL = """
[tools.sleepy]
description = "takes its time"
command = ["{python}", "-c", "import time; time.sleep(30)"]
approve = "auto"
timeout_s = 60
parameters = {{ type = "object" }}
"""


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)  # polling another process's store: there is no event to wait on


def stored(tmp_path) -> list[Message]:
    store = Store(cli_paths(tmp_path).store_file)
    try:
        sessions = store.list_sessions()
        return store.messages(sessions[0].id) if sessions else []
    finally:
        store.close()


def streaming_checkpoint(tmp_path) -> bool:
    try:
        messages = stored(tmp_path)
    except (StoreError, sqlite3.Error):
        return False
    return any(m.role == "assistant" and m.status == "streaming" and m.content for m in messages)


def tool_started(tmp_path) -> bool:
    try:
        messages = stored(tmp_path)
    except (StoreError, sqlite3.Error):
        return False
    return any(m.role == "assistant" and m.tool_calls and m.status == "complete" for m in messages)


def start_tui(tmp_path, fake) -> tuple[subprocess.Popen, int, bytearray]:
    import pty

    master, slave = pty.openpty()
    env = cli_env(tmp_path, fake, TERM="xterm-256color", COLUMNS="100", LINES="30")
    proc = subprocess.Popen(
        [PYTHON, "-m", "mimo_tui"], env=env, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    screen = bytearray()

    def drain() -> None:  # collect what the app draws (and keep the pty from filling up)
        with __import__("contextlib").suppress(OSError):
            while chunk := os.read(master, 65536):
                screen.extend(chunk)

    threading.Thread(target=drain, daemon=True).start()
    return proc, master, screen


def type_into(master: int, screen: bytearray, text: str) -> None:
    wait_for(lambda: b"thinking on" in screen)  # the status line: the app is reading keys
    os.write(master, text.encode() + b"\r")


@pytest.mark.parametrize("moment", ["while a reply streams", "while a tool runs"])
def test_kill_9_of_the_tui(moment, tmp_path, fake, observe):
    if moment == "while a tool runs":
        folder = cli_paths(tmp_path).config_dir
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tools.toml").write_text(SLEEPY_TOOL.format(python=PYTHON))
        fake.queue(
            Scenario(reasoning="Call it.", tool_calls=({"name": "sleepy", "arguments": "{}"},))
        )
        ready = lambda: tool_started(tmp_path)  # noqa: E731
    else:
        fake.queue(SLOW)
        ready = lambda: streaming_checkpoint(tmp_path)  # noqa: E731
    proc, master, screen = start_tui(tmp_path, fake)
    try:
        type_into(master, screen, "please keep this question")
        wait_for(ready)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    messages = stored(tmp_path)  # the store opens after the crash
    assert messages[0].role == "user" and messages[0].content == "please keep this question"
    reply = messages[1]
    if moment == "while a reply streams":
        assert reply.status == "interrupted" and reply.content.startswith("word word")
        assert build_replay(messages, None)[-1]["role"] == "user"  # the partial is not replayed
        what = "the checkpointed partial reply is there, marked interrupted, never replayed"
    else:
        assert reply.status == "complete" and reply.tool_calls[0].name == "sleepy"
        replay = build_replay(messages, None)
        assert replay[-1]["role"] == "tool" and "no result was recorded" in replay[-1]["content"]
        what = (
            "the tool call is there; the next request answers it 'no result was recorded' so "
            "the history stays valid"
        )
    observe(
        "Crashes and concurrency",
        f"kill -9 of the TUI {moment}",
        f"on restart the store opens; the question is there; {what}",
    )


@pytest.mark.parametrize("how", ["kill -9", "Ctrl+C (SIGINT)"])
def test_ask_killed_or_interrupted_while_streaming(how, tmp_path, fake, observe):
    fake.queue(SLOW)
    proc = subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", "ask", "keep me"],
        env=cli_env(tmp_path, fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    if how == "kill -9":  # nothing but the store survives: wait until it has the partial
        wait_for(lambda: streaming_checkpoint(tmp_path))
    else:  # the process keeps the partial itself: wait until it has printed some
        assert proc.stdout is not None and proc.stdout.read(4) == b"word"
    proc.send_signal(signal.SIGKILL if how == "kill -9" else signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    messages = stored(tmp_path)
    assert messages[0].content == "keep me"
    assert messages[1].status == "interrupted" and messages[1].content.startswith("word")
    if how == "kill -9":
        assert proc.returncode == -signal.SIGKILL
        result = "killed"
    else:
        assert proc.returncode == 130 and b"Traceback" not in err
        result = "exit code 130, no traceback"
    observe(
        "Crashes and concurrency",
        f"{how} of `ask` while a reply streams",
        f"{result}; the question and the partial reply are stored, marked interrupted",
    )


def test_two_instances_write_one_store_at_once(tmp_path, observe):
    path = tmp_path / "shared.sqlite3"
    first, second = Store(path), Store(path)
    session = first.create_session("mimo-v2.5-pro")
    errors: list[BaseException] = []

    def write(store: Store, tag: str) -> None:
        try:
            for n in range(150):
                msg = store.add_message(session.id, Message(role="user", content=f"{tag}{n}"))
                store.update_message(msg)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(first, "a")),
        threading.Thread(target=write, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    contents = {m.content for m in first.messages(session.id)}
    first.close()
    second.close()
    assert errors == [] and len(contents) == 300
    observe(
        "Crashes and concurrency",
        "two instances writing one store at the same moment (300 writes)",
        "no 'database is locked', no lost write: writes take the lock up front (BEGIN IMMEDIATE)",
    )


def test_a_store_from_a_newer_version_is_refused_untouched(tmp_path, observe):
    path = tmp_path / "newer.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 999")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert path.read_bytes() == before
    observe(
        "Crashes and concurrency",
        "a store written by a newer mimo-tui",
        f"refused, file untouched: “{caught.value}”",
    )
