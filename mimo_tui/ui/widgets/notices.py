"""What the app itself writes into the conversation: notices, never model text."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from mimo_tui.text import visible

NO_KEY_HELP = (
    "No API key is set, so messages cannot be sent yet.\n"
    "• export MIMO_API_KEY=sk-…   (then restart)\n"
    "• or store one: mimo-tui key set   (written with mode 0600)\n"
    "• or press F5 and paste it here   (stored the same way)\n"
    "• or try everything offline: press F2 now, or run mimo-tui --demo"
)


class EarlierNotice(Static):
    """At the top of the conversation: how many older messages are still in the store."""

    DEFAULT_CSS = """
    EarlierNotice { color: $text-muted; text-align: center; padding: 0 1; }
    """

    def render(self) -> Content:
        return Content("↑ earlier messages · scroll up to load them · Home: the start")


class LaterNotice(Static):
    """Docked at the bottom while older history is being read: how many newer messages are
    not mounted. Scrolling down brings them back; sending jumps to the newest."""

    DEFAULT_CSS = """
    LaterNotice {
        dock: bottom; color: $text-muted; background: $boost; text-align: center;
        padding: 0 1;
    }
    """

    def render(self) -> Content:
        return Content("↓ newer messages · scroll down to load them · End: the newest")


class Notice(Static):
    """A line from the app itself (no key, errors, notices), never from the model."""

    DEFAULT_CSS = """
    Notice {
        margin: 0 0 1 0;
        padding: 0 1;
        color: $text-muted;
    }
    Notice.-error { color: $error-foreground; border-left: thick $error; }
    Notice.-warning { color: $warning; border-left: thick $warning; }
    """

    def __init__(self, text: str, kind: str = "info") -> None:
        super().__init__(Content(visible(text)), markup=False, classes=f"-{kind}")


async def show_more(column: Widget, older: bool, newer: bool) -> None:
    """Say in `column` whether there is more above (`older`) and below (`newer`) what it
    shows. A notice is mounted the first time there is something to say (a new chat never
    has): the earlier one first in the column, the later one docked at its bottom."""
    kinds: tuple[tuple[type[EarlierNotice | LaterNotice], bool], ...] = (
        (EarlierNotice, older),
        (LaterNotice, newer),
    )
    for kind, more in kinds:
        widget: EarlierNotice | LaterNotice | None = next(iter(column.query_children(kind)), None)
        if widget is None:
            if not more:
                continue
            widget = kind()
            first = kind is EarlierNotice and column.children
            await (column.mount(widget, before=0) if first else column.mount(widget))
        widget.display = more
