"""`mimo-tui serve`: the chat UI in a real headless Chromium (Debian's, driven by Playwright
over the DevTools protocol, no browser download), and the server's refusals.

The browser tests open the printed URL (it carries the token), type a message into the
terminal on the page and wait for the offline demo's answer in what the page receives; a
screenshot is saved (`MIMO_SERVE_SHOT` names where, for a person to look at). Every request
the browser makes is checked to stay on this machine. A plain client (aiohttp, which sends
no Origin header) plays another account of the machine: without the token it gets nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from mimo_tui.cli_serve import (
    child_command,
    host_allowed,
    is_loopback,
    origin_allowed,
    page_url,
    token_matches,
)
from tests.conftest import PYTHON, cli_env, cli_paths

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")
WS_URL = re.compile(r'data-session-websocket-url="(ws://[^"]+)"')
# `python -m mimo_tui` in a process where logging is configured, as a library or a
# sitecustomize may do: whatever aiohttp, asyncio or textual-serve log, it is written.
LOGGING_ON = (
    "import logging; logging.basicConfig(level=logging.DEBUG);"
    " logging.getLogger('test').info('logging is on');"
    " from mimo_tui.__main__ import main; raise SystemExit(main())"
)


class Served:
    """A `mimo-tui serve` child; `url` is what it printed. With `logging_on`, logging is
    configured in it and `close` returns all it wrote (stdout and stderr)."""

    def __init__(self, tmp_path: Path, *args: str, logging_on: bool = False) -> None:
        start = [PYTHON, "-c", LOGGING_ON] if logging_on else [PYTHON, "-m", "mimo_tui"]
        self.proc = subprocess.Popen(
            [*start, "serve", "--demo", "--port", "0", *args],
            env=cli_env(tmp_path, None),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if logging_on else subprocess.DEVNULL,
            text=True,
        )
        self.stderr: list[str] = []  # drained as it comes: a full pipe would stop the server
        self.drain = threading.Thread(
            target=lambda: self.stderr.extend(self.proc.stderr or ()), daemon=True
        )
        self.drain.start()
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        line = lines.get(timeout=60)
        self.first_line = line
        match = re.search(r"serving the chat UI at (\S+)", line)
        assert match, f"no URL printed: {line!r}"
        self.url = match.group(1)
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname or "", parts.port or 80
        self.base = f"http://{parts.netloc}/"
        self.token = parse_qs(parts.query).get("token", [""])[0]

    def close(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.drain.join(timeout=20)
        return self.first_line + self.proc.stdout.read() + "".join(self.stderr)


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    server = Served(tmp_path, *getattr(request, "param", ()))
    yield server
    server.close()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def websocket_status(host: str, port: int, path: str, origin: str | None) -> int:
    """The HTTP status a websocket handshake to `path` gets (101: accepted)."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin:
        lines.append(f"Origin: {origin}")
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status.split()[1])


async def _websocket(url: str) -> int | bytes:
    """What a plain client (aiohttp: no Origin header, as no browser would) gets from the
    websocket `url`: the status its handshake is refused with, or the app's first bytes."""
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(url) as ws:
                message = await ws.receive(timeout=60)
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status
    assert message.type == aiohttp.WSMsgType.BINARY, message
    return bytes(message.data)


def websocket(url: str) -> int | bytes:
    return asyncio.run(_websocket(url))


# ---- the rules -------------------------------------------------------------------------------


def test_the_url_carries_the_token_on_every_address():
    assert token_matches("abc", "abc") and not token_matches(None, "abc")
    assert not token_matches("abd", "abc")
    assert page_url("0.0.0.0", 8000, "t") == "http://127.0.0.1:8000/?token=t"
    assert page_url("127.0.0.1", 8000, "t") == "http://127.0.0.1:8000/?token=t"
    assert page_url("::1", 8000, "t") == "http://[::1]:8000/?token=t"
    # Loopback also checks the Host; another 127/8 address is treated like a network's.
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("127.0.0.2")


def test_only_loopback_names_and_same_origin_pages_pass():
    assert host_allowed("127.0.0.1:8000", 8000) and host_allowed("localhost:8000", 8000)
    assert not host_allowed("rebound.example:8000", 8000) and not host_allowed(None, 8000)
    assert origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert origin_allowed(None, "127.0.0.1:8000")  # not a browser
    assert not origin_allowed("http://evil.example", "127.0.0.1:8000")


def test_each_browser_runs_mimo_tui_with_the_flags_given_to_serve():
    from mimo_tui.cli import build_parser

    args = build_parser().parse_args(
        ["-m", "mimo-v2-flash", "serve", "--demo", "--no-thinking", "--theme", "mimo light"]
    )
    assert child_command(args, python="/py") == (
        "/py -m mimo_tui --model mimo-v2-flash --theme 'mimo light' --no-thinking --demo"
    )


# ---- the server ------------------------------------------------------------------------------


def test_on_loopback_a_client_without_the_token_gets_neither_page_nor_ui(served):
    """Another account of this machine knows the address only: what it reads off the page
    (if anything) and a guessed websocket path, sent with no Origin, get it nothing."""
    assert served.host == "127.0.0.1"
    status, text = get(served.base)
    found = WS_URL.search(text)
    got = websocket(found.group(1) if found else f"ws://127.0.0.1:{served.port}/ws/guess")
    assert (status, got) == (403, 403)
    assert "open the URL" in text and "?token=" in text and served.token not in text
    assert get(served.base + "?token=wrong")[0] == 403
    assert websocket(f"ws://127.0.0.1:{served.port}/ws/{served.token}x") == 403


def test_serve_listens_on_loopback_with_the_token_and_refuses_other_names(served):
    assert served.host == "127.0.0.1" and served.token and "?token=" in served.url
    status, page = get(served.url)
    assert status == 200 and "textual.js" in page and "googleapis" not in page
    found = WS_URL.search(page)
    assert found and found.group(1) == f"ws://127.0.0.1:{served.port}/ws/{served.token}"
    first = websocket(found.group(1))
    assert isinstance(first, bytes) and first  # the app runs and speaks to the page
    # The token does not let other names (DNS rebinding) or other sites' pages in.
    status, text = get(served.url, {"Host": f"rebound.example:{served.port}"})
    assert status == 403 and "token" in text
    ws_path = f"/ws/{served.token}"
    own = f"http://127.0.0.1:{served.port}"
    assert websocket_status("127.0.0.1", served.port, ws_path, "http://evil.example") == 403
    assert websocket_status("127.0.0.1", served.port, "/ws/not-the-token", own) == 403


def test_the_token_is_written_only_in_the_printed_url_even_with_logging_on(tmp_path):
    """aiohttp's access log would write it in every line (`GET /?token=…`, `/ws/…`)."""
    served = Served(tmp_path, logging_on=True)
    try:
        assert get(served.url)[0] == 200 and get(served.base + "?token=wrong")[0] == 403
        assert isinstance(websocket(f"ws://127.0.0.1:{served.port}/ws/{served.token}"), bytes)
    finally:
        written = served.close()
    assert "logging is on" in written and "serving the chat UI at" in written
    assert written.count(served.token) == 1, written


@pytest.mark.parametrize("served", [("--host", "127.0.0.2")], indirect=True)
def test_another_host_needs_the_token_of_the_printed_url(served):
    assert "?token=" in served.url
    assert get(served.base)[0] == 403
    assert get(served.base + "?token=wrong")[0] == 403
    status, page = get(served.url)
    assert status == 200 and "textual.js" in page
    assert websocket_status(served.host, served.port, "/ws/wrong", None) == 403


# ---- in Chromium -----------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium: .ci/run installs Debian's chromium")
        pytest.skip("no chromium (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    elsewhere: list[str] = []
    with playwright.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 700},
        )

        def only_loopback(route) -> None:
            host = urlsplit(route.request.url).hostname or ""
            if host.startswith("127.") or host == "localhost":
                route.continue_()
            else:  # nothing leaves this machine
                elsewhere.append(route.request.url)
                route.abort()

        context.route("**/*", only_loopback)
        try:
            yield context, elsewhere
        finally:
            context.close()


def _chat_in_browser(context, url: str, shot: Path, then_f9: bool = False) -> tuple[Any, str]:
    """Open `url`, wait for the chat, type a message, wait for the answer; the page and what
    it got. With `then_f9`, F9 afterwards: in the browser the message is edited in the app."""
    from playwright.sync_api import Error as playwright_error

    page = context.new_page()
    received = bytearray()

    def shown() -> str:
        return ANSI.sub(b"", bytes(received)).decode("utf-8", "replace")

    def wait_for(text: str) -> None:
        """Until the page has received `text`, one websocket frame at a time (bounded)."""
        deadline = time.monotonic() + 60
        while text not in shown():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never arrived; the page got: {shown()[-3000:]}")
            waiting = socket_.expect_event("framereceived", timeout=left * 1000)
            with contextlib.suppress(playwright_error), waiting:  # time out: said above
                pass

    with page.expect_websocket(timeout=60_000) as info:
        page.goto(url)
    socket_ = info.value
    socket_.on(
        "framereceived",
        lambda payload: received.extend(payload if isinstance(payload, bytes) else b""),
    )
    wait_for("OFFLINE DEMO")
    page.focus(".xterm-helper-textarea")
    page.keyboard.type("hello from chromium")
    page.keyboard.press("Enter")
    wait_for("You said:")
    wait_for("TTFT")  # the status line after the reply: it is complete
    page.screenshot(path=str(shot))
    if then_f9:
        page.keyboard.type("draft")
        page.keyboard.press("F9")
        wait_for("Edit the message")
        wait_for("In the browser, messages are edited here.")
        page.keyboard.press("Control+S")
    return page, shown()


def test_a_message_typed_in_chromium_gets_the_demo_answer(browser, served, tmp_path):
    context, elsewhere = browser
    shot = Path(os.environ.get("MIMO_SERVE_SHOT") or tmp_path / "serve.png")
    assert served.host == "127.0.0.1" and "?token=" in served.url  # the URL printed, as is
    page, shown = _chat_in_browser(context, served.url, shot)
    assert "hello from chromium" in shown and "Hello from the offline demo" in shown
    assert png_size(shot) == (1100, 700)
    assert elsewhere == []  # no font, script or anything else from the internet
    from mimo_tui.store import Store

    store = Store(cli_paths(tmp_path).demo_store_file)
    try:
        (session,) = store.list_sessions()
        contents = [m.content for m in store.messages(session.id)]
    finally:
        store.close()
    assert contents[0] == "hello from chromium" and "You said:" in contents[-1]
    # The tab keeps working: a reload, and "Start another" once the session ends, are the
    # printed URL again; the bare address is refused here too, in a browser as well.
    assert page.eval_on_selector("#ended a", "link => link.href") == served.url
    response = page.reload()
    assert response is not None and response.status == 200
    bare = context.new_page().goto(served.base)
    assert bare is not None and bare.status == 403


@pytest.mark.parametrize("served", [("--host", "127.0.0.2")], indirect=True)
def test_chromium_is_refused_without_the_token_and_served_with_it(browser, served, tmp_path):
    context, _ = browser
    page = context.new_page()
    response = page.goto(served.base)
    assert response is not None and response.status == 403
    assert "open the URL" in page.inner_text("body")
    _, shown = _chat_in_browser(context, served.url, tmp_path / "token.png", then_f9=True)
    assert "You said:" in shown and "Edit the message" in shown
