"""The usage report: requests, tokens, cache hits and estimated cost per day and model."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mimo_tui.catalogue import Catalogue
from mimo_tui.cost import estimate_note, totals_cells, usage_table
from mimo_tui.model import UsageRow
from mimo_tui.ui.safe import safe_text

_SHORT = {  # column titles that fit the modal
    "prompt_tokens": "prompt",
    "cached_tokens": "cached",
    "cache_hit": "hit",
    "completion_tokens": "completion",
    "reasoning_tokens": "reasoning",
    "cost_cny": "¥ est.",
    "cost_usd": "$ est.",
}


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

    def __init__(self, rows: list[UsageRow], catalogue: Catalogue | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.catalogue = catalogue or Catalogue()

    def compose(self) -> ComposeResult:
        header, rows, total = usage_table(self.rows, self.catalogue)
        with Vertical():
            yield Static(Content("Usage by day and model (this machine's store)"))
            table: DataTable = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns(*(_SHORT.get(name, name) for name in header))
            for row in rows:
                table.add_row(
                    Text(row[0]),
                    safe_text(row[1], single_line=True),
                    *(Text(str(v), justify="right") for v in row[2:]),
                )
            totals = totals_cells(total)
            table.add_row(
                Text("total", style="bold"),
                Text(""),
                *(Text(str(v), justify="right", style="bold") for v in totals),
            )
            yield table
            yield Static(
                Content(
                    f"Costs: {estimate_note()} · Escape closes · `mimo-tui usage --csv` exports"
                ),
                classes="hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)
