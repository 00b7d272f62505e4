"""Attachments in the conversation: one line per file under the user's message, and the
preview Enter opens: the picture (inline with kitty / sixel / iTerm2 graphics where the
terminal has them and the images extra is installed, see ui/inline_image.py; block
characters for a PNG otherwise), the file's details (duration, channels, frame size:
mimo_tui.media_info) and the command that opens it with the system viewer."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from mimo_tui.attachments import describe
from mimo_tui.media_info import Details
from mimo_tui.model import Attachment
from mimo_tui.text import one_line, visible
from mimo_tui.ui.widgets.attachment_bar import ICONS
from mimo_tui.ui.widgets.steppable import STEP_BINDINGS, Steppable


def line_text(a: Attachment) -> str:
    return f"{ICONS.get(a.kind, '◆')} {describe(a)}"  # describe(): one line, made visible


class AttachmentLine(Static, Steppable, can_focus=True):
    """One attachment of a user message; Enter (or a click) opens the preview. Up/Down step
    through it like through the messages (the conversation lists it among its items)."""

    DEFAULT_CSS = """
    AttachmentLine { padding: 0 1; color: $text-muted; height: 1; }
    AttachmentLine:focus { background: $primary 25%; color: $text; }
    """
    BINDINGS = [
        *STEP_BINDINGS,
        Binding("enter", "open", "Preview", id="attachment.preview"),
    ]

    class Opened(Message):
        def __init__(self, attachment: Attachment) -> None:
            super().__init__()
            self.attachment = attachment

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(Content(line_text(attachment)), markup=False)
        self.attachment = attachment

    def action_open(self) -> None:
        self.post_message(self.Opened(self.attachment))

    def on_click(self) -> None:
        self.action_open()


class AttachmentLines(Vertical):
    """The lines of one message's attachments (mounted right after the message)."""

    DEFAULT_CSS = "AttachmentLines { height: auto; margin: -1 0 1 0; }"

    def __init__(self, attachments: tuple[Attachment, ...]) -> None:
        super().__init__(*(AttachmentLine(a) for a in attachments))


def open_command(path: Path) -> str:
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    import shlex  # when a preview opens, not at start-up

    return f"{opener} {shlex.quote(str(path))}"


def blocks(grid: list[list[tuple[int, int, int]]]) -> Text:
    """Two pixel rows per terminal line: '▀' with the top pixel as foreground."""
    text = Text()
    for y in range(0, len(grid), 2):
        top, bottom = grid[y], grid[y + 1] if y + 1 < len(grid) else None
        for x, rgb in enumerate(top):
            below = bottom[x] if bottom else (0, 0, 0)
            text.append("▀", Style(color=f"rgb{rgb}", bgcolor=f"rgb{below}"))
        text.append("\n")
    return text


class AttachmentPreview(ModalScreen[None]):
    """The picture (inline graphics, or PNG in block characters), the file's details, and
    how to open the file."""

    DEFAULT_CSS = """
    AttachmentPreview { align: center middle; }
    AttachmentPreview > VerticalScroll {
        width: 90%;
        height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    AttachmentPreview #preview-picture { width: auto; }
    AttachmentPreview #preview-inline { width: auto; height: auto; max-height: 30; }
    AttachmentPreview #preview-details { color: $text-muted; margin: 1 0 0 0; }
    """
    BINDINGS = [Binding("escape,q,enter", "close", "Close", id="preview.close")]

    def __init__(
        self,
        attachment: Attachment,
        path: Path | None,
        data: bytes | None,
        details: Details | None = None,
    ) -> None:
        super().__init__()
        self.attachment, self.path, self.data = attachment, path, data
        self.details = details or []
        self.protocol = "blocks"  # how the picture was drawn: kitty, sixel, iterm or blocks

    def compose(self) -> ComposeResult:
        a = self.attachment
        with VerticalScroll():
            yield Static(Content(line_text(a)), id="preview-title", markup=False)
            yield from self._picture()
            if self.details:
                width = max(len(k) for k, _ in self.details)
                text = "\n".join(f"{k.ljust(width)}  {v}" for k, v in self.details)
                yield Static(Content(visible(text)), id="preview-details", markup=False)
            how = (
                f"URL: {one_line(a.url)}"
                if a.url
                else f"Open it with the system viewer:  {visible(open_command(self.path))}"
                if self.path
                else "The file is missing from the store."
            )
            yield Static(Content(how), id="preview-open", markup=False)

    def _picture(self) -> ComposeResult:
        if self.attachment.kind != "image" or not self.data:
            return
        from mimo_tui.ui.inline_image import choose, picture

        # A browser (mimo-tui serve) has no terminal graphics, whatever the server's TERM.
        wanted = "blocks" if self.app.is_web else choose(os.environ)
        inline = picture(self.data, wanted) if wanted != "blocks" else None
        if inline is not None:
            self.protocol = wanted
            yield inline
            return
        from mimo_tui.pixels import thumbnail

        width = max(8, min(self.app.size.width - 12, 120))
        height = max(8, (self.app.size.height - 10) * 2)
        grid = thumbnail(self.data, width, height)
        if grid:
            yield Static(blocks(grid), id="preview-picture")
        else:
            yield Static(
                "(block pictures are drawn for PNG only; a terminal with kitty or sixel "
                "graphics and the images extra draws every format)",
                id="preview-no-picture",
                markup=False,
            )

    def action_close(self) -> None:
        self.dismiss(None)
