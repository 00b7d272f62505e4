"""Choose which tools this session offers the model."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from mimo_tui.text import visible
from mimo_tui.tools import ToolSpec


class ToolsScreen(ModalScreen[list[str] | None]):
    DEFAULT_CSS = """
    ToolsScreen { align: center middle; }
    ToolsScreen > Vertical {
        width: 80%; max-width: 90; height: auto; max-height: 80%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ToolsScreen .hint { color: $text-muted; }
    ToolsScreen SelectionList { height: auto; max-height: 20; }
    """

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="tools.apply", priority=True),
        Binding("escape", "cancel", "Cancel", id="tools.cancel"),
    ]

    def __init__(self, available: dict[str, ToolSpec], selected: list[str]) -> None:
        super().__init__()
        self.available = available
        self.selected = selected

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Tools offered in this session"))
            yield Static(Content("Space toggles · Ctrl+S applies · Escape cancels"), classes="hint")
            yield SelectionList[str](
                *(
                    Selection(
                        Content(visible(f"{name}  · {spec.source} · approve={spec.approve}")),
                        name,
                        name in self.selected,
                    )
                    for name, spec in self.available.items()
                ),
                id="tools",
            )

    def action_apply(self) -> None:
        self.dismiss(list(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)
