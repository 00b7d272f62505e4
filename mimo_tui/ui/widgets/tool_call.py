"""A tool call in the conversation: one compact line that opens the call in the inspector."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from mimo_tui.model import ToolRecord
from mimo_tui.text import visible
from mimo_tui.ui.widgets.steppable import STEP_BINDINGS, Steppable

STATUS_ICONS = {
    "awaiting": "?",
    "running": "…",
    "done": "✓",
    "failed": "✖",
    "denied": "⊘",
    "cancelled": "⏹",
}


def call_summary(record: ToolRecord, width: int = 60) -> str:
    args = " ".join(record.arguments.split())
    if len(args) > width:
        args = args[: width - 1] + "…"
    took = f" · {record.duration_ms / 1000:.1f} s" if record.duration_ms is not None else ""
    label = "awaiting approval" if record.status == "awaiting" else record.status
    manual = " (typed result)" if record.manual else ""
    manual += " (edited)" if record.model_arguments is not None else ""
    return f"{STATUS_ICONS.get(record.status, '·')} ⚙ {record.name}({args}) · {label}{manual}{took}"


class ToolCallLine(Static, Steppable, can_focus=True):
    """Clicking it (or Enter on it) asks the screen to show the call in the inspector."""

    DEFAULT_CSS = """
    ToolCallLine {
        margin: 0 0 0 1;
        padding: 0 1;
        color: $text-muted;
        border-left: thick $tool-border;
    }
    ToolCallLine:focus { background: $boost; color: $text; }
    ToolCallLine:hover { background: $boost; }
    ToolCallLine.-done { border-left: thick $tool-done; }
    ToolCallLine.-failed, ToolCallLine.-cancelled { border-left: thick $tool-failed; }
    ToolCallLine.-denied { border-left: thick $tool-denied; }
    ToolCallLine.-awaiting, ToolCallLine.-running {
        border-left: thick $tool-running;
        color: $text;
    }
    """

    BINDINGS = [*STEP_BINDINGS, Binding("enter", "open", "Inspect", id="tool_line.open")]

    class Selected(Message):
        """The line was chosen; `key` names the call in the session (ToolRecord.key)."""

        def __init__(self, call_id: str, key: str | None = None) -> None:
            super().__init__()
            self.call_id = call_id
            self.key = key or call_id

    def __init__(self, record: ToolRecord) -> None:
        super().__init__(markup=False)
        self.record = record

    def on_mount(self) -> None:
        self.show(self.record)

    def show(self, record: ToolRecord) -> None:
        self.record = record
        for status in STATUS_ICONS:
            self.set_class(record.status == status, f"-{status}")
        self.update(Content(visible(call_summary(record))))

    def on_click(self) -> None:
        self.post_message(self.Selected(self.record.call_id, self.record.key))

    def action_open(self) -> None:
        self.post_message(self.Selected(self.record.call_id, self.record.key))
