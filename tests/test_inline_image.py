"""The preview's picture: which terminal graphics the environment asks for (never a query to
the terminal), the inline widget when the images extra is there, block characters when it is
not, and details with the open command for what has no picture. Ends with the contract on
textual-image's private hooks (ui/inline_image.py `load`)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from dataclasses import replace

import pytest

from mimo_tui import attachments
from mimo_tui.model import Message
from mimo_tui.ui.inline_image import choose
from mimo_tui.ui.widgets.attachment_view import AttachmentLine, AttachmentPreview
from tests.media_helpers import mp4, png
from tests.tui_helpers import make_app, screen_lines, wait_until

PYTHON = sys.executable


@pytest.mark.parametrize(
    ("env", "protocol"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, "kitty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, "iterm"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "sixel"),
        ({"TERM": "foot"}, "sixel"),
        ({"TERM": "xterm-256color", "KONSOLE_VERSION": "230802"}, "sixel"),
        ({"TERM": "xterm-256color"}, "blocks"),  # GNOME Terminal, xterm without sixel, ...
        ({"TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"}, "blocks"),
        ({"TERM": "screen", "KITTY_WINDOW_ID": "1"}, "blocks"),  # kitty, but inside screen
        ({"TERM": "tmux-256color", "TMUX": "x", "MIMO_TUI_IMAGES": "sixel"}, "sixel"),
        ({"TERM": "xterm-kitty", "MIMO_TUI_IMAGES": "blocks"}, "blocks"),
        ({"TERM": "xterm-kitty", "MIMO_TUI_IMAGES": " Kitty "}, "kitty"),
        ({"TERM": "foot", "MIMO_TUI_IMAGES": "sparkles"}, "sixel"),  # unknown: auto
        ({}, "blocks"),
    ],
)
def test_the_protocol_comes_from_the_environment_and_the_override(env, protocol):
    assert choose(env) == protocol


async def open_preview(app, runtime, pilot, name: str, data: bytes) -> AttachmentPreview:
    attachment, data = attachments.from_bytes(data, name)
    runtime.store.blobs.put(attachment.sha256, data)
    session_id = app.screen.session_id
    runtime.store.add_message(
        session_id, Message(role="user", content="look", attachments=(attachment,))
    )
    await app.screen.load_session(session_id)
    await pilot.pause()
    app.screen.query_one(AttachmentLine).focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AttachmentPreview))
    await pilot.pause()
    return app.screen


async def test_sixel_draws_the_picture_inline_with_the_extra(settings, paths, monkeypatch):
    from textual_image.widget import SixelImage

    monkeypatch.setenv("MIMO_TUI_IMAGES", "sixel")
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=(120, 40)) as pilot:
        preview = await open_preview(app, runtime, pilot, "photo.png", png(64, 32))
        assert preview.protocol == "sixel"
        assert isinstance(preview.query_one("#preview-inline"), SixelImage)
        assert not preview.query("#preview-picture")  # no block picture as well
        assert "dimensions  64×32" in str(preview.query_one("#preview-details").render())
        assert "open " in str(preview.query_one("#preview-open").render())
    runtime.close()


async def test_without_the_extra_the_picture_falls_back_to_blocks(settings, paths, monkeypatch):
    monkeypatch.setenv("MIMO_TUI_IMAGES", "kitty")
    for name in [m for m in sys.modules if m.startswith("textual_image")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "textual_image", None)  # as if not installed
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=(120, 40)) as pilot:
        preview = await open_preview(app, runtime, pilot, "photo.png", png(64, 32))
        assert preview.protocol == "blocks"
        assert not preview.query("#preview-inline")
        assert "▀" * 30 in "\n".join(screen_lines(app))
    runtime.close()


def jpeg(width: int, height: int) -> bytes:
    """A JPEG's markers up to its frame header (the size is read; it does not decode)."""
    sof = b"\xff\xc0\x00\x11\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + sof
        + (b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01" + b"\xff\xd9")
    )


@pytest.mark.parametrize("protocol", ["blocks", "sixel"])
async def test_a_jpeg_without_a_picture_shows_its_details_and_the_open_command(
    settings, paths, monkeypatch, protocol
):
    monkeypatch.setenv("MIMO_TUI_IMAGES", protocol)  # sixel: Pillow cannot decode it either
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=(120, 40)) as pilot:
        preview = await open_preview(app, runtime, pilot, "scan.jpg", jpeg(800, 600))
        text = "\n".join(screen_lines(app))
        assert "block pictures are drawn for PNG only" in text and "▀" not in text
        assert "dimensions  800×600" in text
        how = str(preview.query_one("#preview-open").render())
        assert how.startswith("Open it with the system viewer:") and how.endswith(
            preview.attachment.sha256
        )
    runtime.close()


async def test_a_video_preview_shows_duration_and_frame_size(settings, paths):
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=(120, 40)) as pilot:
        preview = await open_preview(app, runtime, pilot, "clip.mp4", mp4(1920, 1080, 75))
        details = str(preview.query_one("#preview-details").render())
        assert details.splitlines() == ["duration    1:15", "dimensions  1920×1080"]
        assert "open " in str(preview.query_one("#preview-open").render())
        assert not preview.query("#preview-inline, #preview-picture")
    runtime.close()


# ---- the contract with textual-image ---------------------------------------------------------


def in_a_pty(code: str) -> tuple[int, bytes]:
    """Run `code` with a pseudo-terminal as stdin/stdout/stderr: (exit status, every byte it
    wrote to the terminal). Nothing ever answers a query, as a terminal without sixel would
    not (textual-image then waits 0.1 s per query)."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL_CELL")}
    proc = subprocess.Popen(
        [PYTHON, "-c", code], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            proc.kill()
            raise AssertionError(f"no output for 30 s: {out!r}")
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=30), out


def test_textual_image_still_queries_the_terminal_when_imported_plainly():
    """Why load() has its hooks: a plain import in a terminal asks it for its attributes
    (DA1, `ESC [ c`). If this starts failing, a new textual-image stopped querying on import
    and the hooks in ui/inline_image.py may be dropped."""
    _, out = in_a_pty("import textual_image.widget")
    assert b"\x1b[c" in out  # the sixel query (a TGP query follows it)


def test_load_imports_textual_image_without_sending_the_terminal_a_byte():
    """The private hooks load() relies on: the cached cell size (`get_cell_size._result`)
    and the import-time `sys.__stdout__.isatty()` check. A textual-image that changes either
    writes a query here (or fails the asserts), and this test says so loudly."""
    code = (
        "import sys\n"
        "from mimo_tui.ui.inline_image import load\n"
        "widget = load()\n"
        "from textual_image import _terminal, renderable\n"
        "assert widget is not None and sys.__stdout__.isatty()\n"
        "assert renderable.Image is renderable.UnicodeImage, renderable.Image\n"
        "assert _terminal.get_cell_size() == _terminal.get_cell_size._result\n"
        "assert widget.TGPImage and widget.SixelImage\n"
        "sys.exit(7)\n"
    )
    status, out = in_a_pty(code)
    assert status == 7, out.decode(errors="replace")
    assert out == b""  # not one byte reached the terminal


NOT_AT_START_PROBE = """
import asyncio, sys
from mimo_tui.config import Paths, load_settings
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp

async def main():
    runtime = build_runtime(load_settings(Paths.default()), Paths.default())
    app = MimoApp(runtime, runtime.session().id)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the warm-up after the first frame too
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("textual_image", "PIL")))
    runtime.close()

asyncio.run(main())
"""


def test_the_extra_and_pillow_are_not_loaded_at_start_up(tmp_path, fake):
    from tests.conftest import run_python

    assert run_python(NOT_AT_START_PROBE, tmp_path, fake).strip() == "[]"
