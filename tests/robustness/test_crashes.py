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
    replay = build_replay(messages, None)
    if moment == "while a reply streams":
        assert reply.status == "interrupted" and reply.content.startswith("word word")
        assert replay[-1]["role"] == "user"  # the partial is not replayed
        what = (
            f"the reply has {len(reply.content):,} characters, marked {reply.status}; the replay "
            f"built from the store ends with the {replay[-1]['role']} message"
        )
    else:
        assert reply.status == "complete" and reply.tool_calls[0].name == "sleepy"
        assert replay[-1]["role"] == "tool" and "no result was recorded" in replay[-1]["content"]
        what = (
            f"the {reply.tool_calls[0].name} call is stored ({reply.status}); the replay built "
            f"from the store answers it “{replay[-1]['content']}”"
        )
    observe(
        "Crashes and concurrency",
        f"kill -9 of the TUI {moment}",
        f"after the kill the store opens; the question “{messages[0].content}” is there; {what}",
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
        result = f"returncode {proc.returncode} (killed)"
    else:
        assert proc.returncode == 130 and b"Traceback" not in err
        result = f"exit code {proc.returncode}, no traceback"
    observe(
        "Crashes and concurrency",
        f"{how} of `ask` while a reply streams",
        f"{result}; the store has the question “{messages[0].content}” and "
        f"{len(messages[1].content):,} characters of the reply, marked {messages[1].status}",
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
        f"{len(errors)} errors raised in either writer (no 'database is locked'); "
        f"{len(contents)} of 300 messages read back",
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


def _read_into(stream, buffer: bytearray) -> threading.Thread:
    def pump() -> None:
        while chunk := os.read(stream.fileno(), 4096):
            buffer.extend(chunk)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def test_kill_9_of_ask_right_after_the_first_delta_of_a_stalled_stream(tmp_path, fake, observe):
    """The first words are saved before they are shown: a stall then a kill loses nothing."""
    fake.queue(Scenario(content="Firstwords then a stall that never ends.", stall_after=2))
    proc = subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", "ask", "keep the start"],
        env=cli_env(tmp_path, fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    out = bytearray()
    _read_into(proc.stdout, out)
    try:
        wait_for(lambda: b"Firstwords" in out)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=20)
    messages = stored(tmp_path)
    assert messages[0].content == "keep the start"
    assert messages[1].content == "Firstwords" and messages[1].status == "interrupted"
    observe(
        "Crashes and concurrency",
        "kill -9 of `ask` once the first delta is on screen, the stream stalled after it",
        f"the store has the reply {messages[1].content!r}, marked {messages[1].status}",
    )


# A long answer in few chunks: ~180 KB in 300 word-sized pieces.
LONG = " ".join("-".join(f"w{i}x{j}" for j in range(100)) for i in range(300))


def _full_after(tmp_path, fake, headroom: int) -> dict[str, str]:
    """A store that fills up `headroom` pages from now (SQLite's max_page_count, the store's
    test hook), as a disk with that little space left would."""
    from mimo_tui.store import MAX_PAGES_ENV

    fake.queue("text")
    warm = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", "warm up"],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        timeout=60,
    )
    assert warm.returncode == 0, warm.stderr
    db = sqlite3.connect(cli_paths(tmp_path).store_file)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    return {MAX_PAGES_ENV: str(pages + headroom)}


def test_a_full_disk_mid_reply_in_ask_says_so_and_keeps_what_fitted(tmp_path, fake, observe):
    limit = _full_after(tmp_path, fake, headroom=12)
    fake.queue(Scenario(content=LONG))
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "-c", "ask", "fill it"],
        env=cli_env(tmp_path, fake, **limit),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr and "rollback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert "Disk full" in result.stderr
    assert result.stdout.strip() == LONG  # all of it reached the user
    printed = len(result.stdout.strip())
    question, reply = stored(tmp_path)[-2:]
    assert question.content == "fill it"
    assert reply.content and LONG.startswith(reply.content) and len(reply.content) < len(LONG)
    assert reply.status == "interrupted"
    message = result.stderr.strip().splitlines()[-1]
    observe(
        "Crashes and concurrency",
        "the disk fills up while `ask` streams a reply (SQLITE_FULL)",
        f"exit {result.returncode}; all {printed:,} characters of the answer printed; the store "
        f"keeps the question and {len(reply.content):,}, marked {reply.status}; “{message}”",
    )


async def test_a_full_disk_mid_reply_in_the_tui_says_so_and_stays_usable(
    tmp_path, fake, monkeypatch, observe
):
    from mimo_tui.config import Settings
    from mimo_tui.store import MAX_PAGES_ENV
    from mimo_tui.ui.widgets.conversation import Notice
    from mimo_tui.ui.widgets.stored_reply import StoredReply
    from tests.conftest import KEY
    from tests.tui_helpers import make_app, send, wait_until

    for name, value in _full_after(tmp_path, fake, headroom=12).items():
        monkeypatch.setenv(name, value)
    paths = cli_paths(tmp_path)
    settings = Settings(api_key=KEY, base_url=fake.base_url, max_retries=0)
    app, runtime = make_app(settings, paths)
    fake.queue(Scenario(content=LONG))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "fill it")
        await wait_until(pilot, lambda: bool(app.screen.query(Notice)), timeout=60)
        await app.workers.wait_for_complete()
        await pilot.pause()
        notice = str(app.screen.query(Notice).last().render())
        assert "Disk full" in notice and "Traceback" not in notice
        held = app.screen.query(StoredReply).last().answer_text
        assert held == LONG  # shown in full
        assert app.focused is app.screen.query_one("PromptInput")  # usable at once
    runtime.close()
    monkeypatch.delenv(MAX_PAGES_ENV)  # read the store back without the limit
    question, reply = stored(tmp_path)[-2:]
    assert question.content == "fill it"
    assert reply.content and LONG.startswith(reply.content) and len(reply.content) < len(LONG)
    observe(
        "Crashes and concurrency",
        "the disk fills up while the TUI streams a reply (SQLITE_FULL)",
        f"the reply widget holds all {len(held):,} characters; the input has focus; the store "
        f"keeps {len(reply.content):,}; an error notice “{notice.splitlines()[0]}”",
    )
