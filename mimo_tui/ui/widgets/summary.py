"""The compaction marker: the summary that stands in for older messages, shown where it cuts.

A compacted session still shows every message; what changes is what the next request
sends (the system prompt, this summary, and the messages from the cut on). The marker sits
just above the first message replayed as it is, so scrolling up past it shows the originals
it stands in for. It is folded to one line; Enter unfolds the summary itself (model text,
drawn through the sanitizer, never as markup); `e` edits it before it is next used; `u`
undoes the compaction (every message is sent again).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.events import Click
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.widgets import Static

from mimo_tui.compaction import Compaction
from mimo_tui.text import visible
from mimo_tui.ui.widgets.steppable import STEP_BINDINGS, Steppable


def marker_title(compaction: Compaction, open_: bool) -> str:
    """`▸ Summary · stands in for 38 earlier messages · Enter unfolds · e edits · u undoes`"""
    arrow = "▾" if open_ else "▸"
    n = compaction.covered
    what = f"{n} earlier message{'s' if n != 1 else ''}" if n else "the earlier messages"
    keys = "Enter folds" if open_ else "Enter unfolds"
    return f"{arrow} Summary · sent instead of {what} · {keys} · e edits · u undoes"


class CompactionSummary(Static, Steppable, can_focus=True):
    """The active compaction of the session, at its cut."""

    DEFAULT_CSS = """
    CompactionSummary {
        margin: 1 0 0 0;
        padding: 0 1;
        border-left: thick $accent;
        border-top: dashed $accent;
        border-bottom: dashed $accent;
        color: $text-muted;
    }
    CompactionSummary:focus { background: $accent 15%; }
    """

    BINDINGS = [
        *STEP_BINDINGS,
        Binding("enter", "fold", "Fold summary", id="summary.fold", show=False),
        Binding("e", "edit", "Edit summary", id="summary.edit"),
        Binding("u", "undo", "Undo compaction", id="summary.undo"),
    ]

    open: reactive[bool] = reactive(False)

    class EditWanted(TextualMessage):
        """`e` on the marker: edit the summary the next request sends."""

        def __init__(self, compaction: Compaction) -> None:
            super().__init__()
            self.compaction = compaction

    class UndoWanted(TextualMessage):
        """`u` on the marker: replay every message again."""

    def __init__(self, compaction: Compaction) -> None:
        super().__init__(markup=False)
        self.compaction = compaction
        self.stored_id = compaction.before_id  # where the conversation places it (row_id)

    def render(self) -> Content:
        title = Content(marker_title(self.compaction, self.open))
        if not self.open:
            return title
        return Content("\n").join([title, Content(visible(self.compaction.summary.strip()))])

    def watch_open(self) -> None:
        self.refresh(layout=True)

    def action_fold(self) -> None:
        self.open = not self.open

    def on_click(self, event: Click) -> None:
        event.stop()
        self.focus()
        self.open = not self.open

    def action_edit(self) -> None:
        self.post_message(self.EditWanted(self.compaction))

    def action_undo(self) -> None:
        self.post_message(self.UndoWanted())
