"""The chips above the input: what the next message will carry (name, type, size, ×).

A chip's × removes it; the bar hides itself when empty. The screen adds attachments (from
the picker, a pasted path, `@path`) and takes them all when the message is sent.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from mimo_tui.attachments import human_size
from mimo_tui.model import Attachment
from mimo_tui.text import one_line

ICONS = {"image": "▣", "audio": "♪", "video": "▶"}  # one cell wide in every terminal font


def chip_text(a: Attachment) -> str:
    """One line: a chip is one row high, and a newline in the name would hide the rest."""
    size = "URL" if a.url else human_size(a.size)
    return f"{ICONS.get(a.kind, '◆')} {one_line(a.name)} · {one_line(a.mime)} · {size}"


class Attached(list[tuple[Attachment, bytes | None]]):
    """Attachments with their bytes, handed to the turn's worker. Its repr is short: Textual
    describes a worker by the repr of its arguments, and the repr of a 5 MB image's bytes
    stalled the event loop for over 100 ms."""

    def __repr__(self) -> str:
        return f"<{len(self)} attachment(s)>"


class AttachmentChip(Horizontal):
    DEFAULT_CSS = """
    AttachmentChip {
        width: auto;
        height: 1;
        margin: 0 1 0 0;
        background: $boost;
    }
    AttachmentChip Static { width: auto; padding: 0 1; }
    AttachmentChip Button {
        min-width: 3;
        width: 3;
        background: $error 50%;
    }
    AttachmentChip Button:hover { background: $error; }
    """

    def __init__(self, attachment: Attachment, data: bytes | None, index: int) -> None:
        super().__init__(id=f"chip-{index}")
        self.attachment = attachment
        self.data = data

    def compose(self) -> ComposeResult:
        yield Static(Content(chip_text(self.attachment)), markup=False)
        yield Button(
            "×", classes="remove", compact=True, tooltip=f"Remove {one_line(self.attachment.name)}"
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(AttachmentBar.Removed(self.attachment))
        self.remove()


class AttachmentBar(Horizontal):
    """Pending attachments of the message being written."""

    DEFAULT_CSS = """
    AttachmentBar {
        height: 1;
        padding: 0 1;
        display: none;
    }
    AttachmentBar.-shown { display: block; }
    """

    class Removed(Message):
        def __init__(self, attachment: Attachment) -> None:
            super().__init__()
            self.attachment = attachment

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._count = 0

    @property
    def chips(self) -> list[AttachmentChip]:
        return [c for c in self.query(AttachmentChip) if not c._closing]

    def items(self) -> Attached:
        return Attached((c.attachment, c.data) for c in self.chips)

    async def add(self, attachment: Attachment, data: bytes | None) -> None:
        if any(c.attachment == attachment for c in self.chips):
            return  # the same file twice is one attachment
        self._count += 1
        await self.mount(AttachmentChip(attachment, data, self._count))
        self.set_class(True, "-shown")

    async def clear(self) -> None:
        await self.remove_children()
        self.set_class(False, "-shown")

    def on_attachment_bar_removed(self, event: AttachmentBar.Removed) -> None:
        self.call_after_refresh(lambda: self.set_class(bool(self.chips), "-shown"))
