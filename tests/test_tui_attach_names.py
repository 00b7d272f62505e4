"""A file name is someone else's text: one with a newline (`nl\\nNEWLINE.png`, a legal Unix
name) stays one entry in the picker and one line in its chip and under the message, the
newline shown as ␊, its type, size and dimensions still there."""

from __future__ import annotations

from dataclasses import replace

from mimo_tui.ui.widgets.attachment_bar import AttachmentBar, AttachmentChip
from mimo_tui.ui.widgets.attachment_view import AttachmentLine
from mimo_tui.ui.widgets.file_picker import FilePicker
from tests.media_helpers import png, write
from tests.tui_helpers import make_app, screen_lines, send, wait_until

SIZE = (120, 40)
NAME = "nl\nNEWLINE.png"
SHOWN = "nl␊NEWLINE.png"


def chips(app) -> list[AttachmentChip]:
    return app.screen.query_one(AttachmentBar).chips


async def test_a_name_with_a_newline_is_one_picker_entry_one_chip_and_one_line(
    settings, paths, fake, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, NAME, png(40, 20))
    write(tmp_path, "other.png", png())
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+a")
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        await pilot.pause()
        lines = screen_lines(app)
        entries = [line for line in lines if "NEWLINE" in line]
        assert len(entries) == 1 and f" {SHOWN} " in entries[0]
        for ch in "NEWLINE":
            await pilot.press(ch)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, FilePicker) and chips(app))
        await pilot.pause()
        chip = [line for line in screen_lines(app) if "NEWLINE" in line]
        assert len(chip) == 1 and f"▣ {SHOWN} · image/png · 93 B" in chip[0]
        await send(pilot, "describe")
        await wait_until(pilot, lambda: bool(fake.chat_requests()) and not app.screen.busy)
        line = app.screen.query_one(AttachmentLine)
        assert str(line.render()) == f"▣ {SHOWN} · image/png · 93 B · 40×20"
        assert line.attachment.name == NAME  # stored as it is, shown on one line
    runtime.close()
