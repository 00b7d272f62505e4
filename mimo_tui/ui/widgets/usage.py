"""The usage report: requests and tokens per day and model, from the local store."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mimo_tui.model import UsageRow
from mimo_tui.ui.safe import safe_text


class UsageScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    UsageScreen { align: center middle; }
    UsageScreen > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 80%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    UsageScreen DataTable { height: auto; max-height: 30; }
    UsageScreen .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="usage.close")]

    def __init__(self, rows: list[UsageRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Usage by day and model (this machine's store)"))
            table: DataTable = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("day", "model", "requests", "prompt", "completion", "reasoning")
            total = [0, 0, 0, 0]
            for r in self.rows:
                values = [
                    r.requests,
                    r.usage.prompt_tokens,
                    r.usage.completion_tokens,
                    r.usage.reasoning_tokens,
                ]
                total = [a + b for a, b in zip(total, values, strict=True)]
                table.add_row(
                    Text(r.day),
                    safe_text(r.model, single_line=True),
                    *(Text(str(v), justify="right") for v in values),
                )
            table.add_row(
                Text("total", style="bold"),
                Text(""),
                *(Text(str(v), justify="right", style="bold") for v in total),
            )
            yield table
            yield Static(Content("Escape closes · `mimo-tui usage --csv` exports"), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
