"""The compaction marker: the summary that stands in for older messages, shown where it cuts.

A compacted session still shows every message; what changes is what the next request
sends (the system prompt, this summary, and the messages from the cut on). The marker sits
just above the first message replayed as it is, so scrolling up past it shows the originals
it stands in for. It is folded to one line; Enter unfolds the summary itself (model text,
drawn through the sanitizer, never as markup); `e` edits it before it is next used; `u`
undoes the compaction (every message is sent again).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.content import Content
from textual.events import Click
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from mimo_tui.compaction import Compaction
from mimo_tui.model import Message
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
        # The screen's, with priority: its editor opens before the next key is passed on,
        # so what is typed straight after goes into it (ui/compact.edit_summary).
        Binding("e", "screen.edit_summary", "Edit summary", id="summary.edit", priority=True),
        Binding("u", "undo", "Undo compaction", id="summary.undo"),
    ]

    open: reactive[bool] = reactive(False)

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

    def action_undo(self) -> None:
        self.post_message(self.UndoWanted())


def marker_among_widgets(
    compaction: Compaction | None, rows: list[Message], has_older: bool, first: int | None
) -> Compaction | None:
    """The compaction whose marker goes among the mounted widgets, if any: not when its cut
    lies among the rows above them (the rows draw it), nor above everything read yet
    (`first`, with more unread above: it is shown once the messages before it are)."""
    if compaction is None:
        return None
    cut = compaction.before_id
    if rows and (rows[-1].id or 0) >= cut:
        return None
    if has_older and first is not None and first >= cut:
        return None
    return compaction


async def place_summary(
    column: Widget,
    shown: list[Widget],
    compaction: Compaction | None,
    stored_id: Callable[[Widget], int | None],
) -> None:
    """Put the marker of `compaction` (None: no marker) in `column` just above the first of
    the `shown` items replayed as it is, if it is mounted; above it are the originals it
    stands in for."""
    markers = [w for w in column.children if isinstance(w, CompactionSummary)]
    place = None
    if compaction is not None:
        cut = compaction.before_id
        place = next(
            (w for w in shown if w not in markers and (stored_id(w) or 0) >= cut),
            None,
        )
    marker = markers[0] if markers else None
    if (
        marker is not None
        and place is not None
        and marker.compaction == compaction
        and column.children.index(marker) + 1 == column.children.index(place)
    ):
        return  # already there
    for old in markers:
        await old.remove()
    if compaction is not None and place is not None:
        await column.mount(CompactionSummary(compaction), before=place)
