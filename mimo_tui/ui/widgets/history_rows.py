"""Older history as rows of lines: the part of a long session scrolled back to, drawn
without a widget per message.

Mounting a page of message widgets costs tens of milliseconds (styles, layout, and the
newest page unmounted again to keep the DOM small), so paging to the top of a 5,000-message
session took 17 s. Here the messages older than the mounted window are one line-API widget
(Textual's `Log` pattern): its height is the sum of its rows' heights, `render_line(y)` finds
the row under `y` by bisection and draws that row's line. A row is rendered (Markdown and
all) only when it is first drawn; until then its height is an estimate, corrected as it is
drawn, and the scroll position moves with the correction so that what the user looks at
stays put. Rendered rows sit in an LRU cache per (message, width, theme, fold).

How a row looks (a reply through StoredReply's own `build_lines`, questions and tool calls
with the widgets' borders in the theme's colours) is row_draw's; this module places the
rows, with the widgets' margins. A click on a reply's reasoning header folds or unfolds it,
and a mouse drag selects text (Textual's selection API, as LinesWidget). What needs a
focused message (c, e, g, versions) needs the widget: the conversation mounts the newest
rows as widgets when the focus steps up into them, and a row that is clicked (`Clicked`)
together with the rows below it.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any

from textual.cache import LRUCache
from textual.events import Click
from textual.geometry import Offset, Region, Size
from textual.message import Message as TextualMessage
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from mimo_tui.model import Message
from mimo_tui.ui.widgets import row_draw
from mimo_tui.ui.widgets.lines import Line, LinesWidget, blank
from mimo_tui.ui.widgets.md_palette import current_palette
from mimo_tui.ui.widgets.row_heights import estimate

if TYPE_CHECKING:
    from rich.style import Style

    from mimo_tui.compaction import Compaction

# (margin above, margin below) of each kind of row, as the widgets' CSS has them; Textual
# collapses two adjacent margins to the larger, and so do the rows.
MARGINS = {"user": (1, 1), "tool": (0, 0), "assistant": (0, 1)}


class HistoryRows(LinesWidget):
    """Stored messages above the mounted window, oldest first, drawn as rows of lines."""

    class Clicked(TextualMessage):
        """A row was clicked (not on a reasoning header, not at the end of a drag): its
        message wants the focus, as a click on a message widget gives it."""

        def __init__(self, message_id: int, screen_top: int) -> None:
            super().__init__()
            self.message_id = message_id
            self.screen_top = screen_top  # the screen line the row's first line is on

    DEFAULT_CSS = """
    HistoryRows { height: auto; }
    """

    def __init__(self, reasoning_open: bool = False) -> None:
        super().__init__()
        self.rows: list[Message] = []
        self.reasoning_open = reasoning_open  # rows open with their reasoning unfolded
        self.toggled: set[int] = set()  # replies whose reasoning a click folded the other way
        self.compaction: Compaction | None = None  # its marker goes above its cut
        self._width = 0
        self._heights: dict[int, int] = {}  # exact body heights at _width, by message id
        self._guesses: dict[int, int] = {}  # estimated body heights at _width
        # Where each row's body starts, counted back from the end (negated, so ascending):
        # rows added above leave these as they were, so a page is added in O(page).
        self._from_end: list[int] = []
        self._total = 0
        self._dirty = True
        self._cache: LRUCache[tuple[Any, ...], list[Line]] = LRUCache(512)
        self._shift = 0  # this render pass: lines the scroll position is about to move by

    # ---- the rows ---------------------------------------------------------------------

    def prepend(self, messages: list[Message]) -> int:
        """Add older messages above the rows; returns how many lines that added (the
        conversation scrolls down by as much, so the view does not move)."""
        if not messages:
            return 0
        before = self.height_now()
        old_first = self.rows[0] if self.rows else None
        self.rows[:0] = messages
        if not self._dirty:
            self._from_end[:0] = self._spans(messages, old_first)
            self._total = self._top_gap(0) - self._from_end[0]
        self.refresh(layout=True)
        return self.height_now() - before

    def take_newest(self, count: int) -> list[Message]:
        """Remove and return the newest rows from a question on (a turn's messages go
        together), at least `count` of them if there are as many."""
        return self.take_from(self._turn_at(max(0, len(self.rows) - count)))

    def turn_start(self, message_id: int) -> int | None:
        """The index of the row that starts the turn holding `message_id`'s row (its
        question); None if no row shows that message."""
        index = next((i for i, m in enumerate(self.rows) if m.id == message_id), None)
        return None if index is None else self._turn_at(index)

    def _turn_at(self, index: int) -> int:
        while index > 0 and self.rows[index].role != "user":
            index -= 1
        return index

    def take_from(self, index: int) -> list[Message]:
        """Remove and return the rows from `index` to the newest."""
        taken, self.rows = self.rows[index:], self.rows[:index]
        self._dirty = True
        self.refresh(layout=True)
        return taken

    def clear(self) -> None:
        if self.rows:
            self.rows = []
            self._dirty = True
            self.refresh(layout=True)

    @property
    def first_id(self) -> int | None:
        return self.rows[0].id if self.rows else None

    # ---- geometry -----------------------------------------------------------------------

    def _body_height(self, message: Message) -> int:
        key = message.id if message.id is not None else -1
        exact = self._heights.get(key)
        if exact is not None:
            return exact
        guess = self._guesses.get(key)
        if guess is None:
            guess = self._guesses[key] = estimate(message, self._width)
        return guess

    def _marker_before(self, index: int) -> bool:
        """The compaction marker goes above the first row replayed as it is (not the first
        row overall: what is cut is above it)."""
        c = self.compaction
        if c is None or index == 0:
            return False
        return (self.rows[index].id or 0) >= c.before_id > (self.rows[index - 1].id or 0)

    def _gap(self, above: Message | None, message: Message, marker: bool) -> int:
        """Blank lines between two rows (margins collapse to the larger), and the marker."""
        after = MARGINS.get(above.role, (0, 0))[1] if above is not None else 0
        return max(after, MARGINS.get(message.role, (0, 0))[0]) - after + marker

    def _top_gap(self, index: int) -> int:
        above = self.rows[index - 1] if index > 0 else None
        return self._gap(above, self.rows[index], self._marker_before(index))

    def _spans(self, messages: list[Message], below: Message | None) -> list[int]:
        """The negated distances from each of `messages` (rows now at the top, just above
        `below`) to the end of the rows, from the first of `self._from_end` on."""
        count = len(messages)
        end = self._from_end[0] - self._top_gap(count) if below is not None else 0
        out = [0] * count
        for index in range(count - 1, -1, -1):
            message = self.rows[index]
            end -= self._body_height(message) + MARGINS.get(message.role, (0, 0))[1]
            out[index] = end
            if index:
                end -= self._top_gap(index)
        return out

    def _layout(self, width: int) -> None:
        if width != self._width:
            self._width, self._heights, self._guesses, self._dirty = width, {}, {}, True
        if not self._dirty:
            return
        self._from_end = []
        self._dirty = False
        if self.rows:
            self._from_end = self._spans(self.rows, None)
            self._total = self._top_gap(0) - self._from_end[0]
        else:
            self._total = 0

    def _start(self, index: int) -> int:
        return self._total + self._from_end[index]

    def height_now(self) -> int:
        parent = self.parent
        column = parent.scrollable_content_region.width if isinstance(parent, Widget) else 0
        width = self.content_region.width or column or self._width or 80
        self._layout(width)
        return self._total

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._layout(width)
        return self._total

    def build_lines(self, width: int) -> list[Line]:
        return []  # drawn row by row (render_line), never as one list

    def _row_at(self, y: int) -> int:
        """The row whose body starts at or above line `y` (-1: above the first row)."""
        return bisect_right(self._from_end, y - self._total) - 1

    # ---- drawing --------------------------------------------------------------------------

    def fold_all(self, open_: bool) -> None:
        """Every row's reasoning folded (or open), as Ctrl+O does to the widgets."""
        self.reasoning_open, self.toggled = open_, set()
        self._heights.clear()
        self._dirty = True
        self.refresh(layout=True)

    def _open(self, message: Message) -> bool:
        return self.reasoning_open != (message.id in self.toggled)

    def row_lines(self, message: Message, width: int) -> list[Line]:
        """A row's body at `width`, rendered once per width, theme and fold."""
        style = self.rich_style
        palette = current_palette()  # (whether code is coloured yet, besides the theme)
        theme = self.app.theme
        key = (message.id, message.status, width, style, theme, palette, self._open(message))
        lines = self._cache.get(key)
        if lines is None:
            lines = self._draw_row(message, width, style)
            self._cache[key] = lines
        return lines

    def _fix_height(self, index: int, height: int) -> int:
        """Row `index` was drawn `height` lines high: the rows from it up move (O(index),
        not a new layout of every row); returns the change."""
        message = self.rows[index]
        change = height - self._body_height(message)
        if message.id is not None:
            self._heights[message.id] = height
        if change and not self._dirty:
            self._move_selection(self._start(index) + height - change, change)
            ends = self._from_end
            ends[: index + 1] = [end - change for end in ends[: index + 1]]
            self._total = self._top_gap(0) - ends[0]
        return change

    def _move_selection(self, below: int, lines: int) -> None:
        """The lines from `below` down move by `lines` (a row above them settled): so does
        a selection's end among them, which stays on the text it was made over."""
        selection = self.text_selection if self.is_attached else None
        if selection is None:
            return

        def moved(at: Offset | None) -> Offset | None:
            return at + Offset(0, lines) if at is not None and at.y >= below else at

        start, end = moved(selection.start), moved(selection.end)
        if (start, end) != (selection.start, selection.end):
            self.screen.selections = {**self.screen.selections, self: Selection(start, end)}

    def _draw_row(self, message: Message, width: int, style: Style) -> list[Line]:
        colour = row_draw.Colours(self.app.theme_variables)
        if message.role == "tool":
            return [row_draw.tool_row(self.app.console, message, width, style, colour)]
        if message.role == "user":
            return row_draw.user_rows(self.app.console, message, width, style, colour)
        return row_draw.reply_rows(message, width, style, self._open(message))

    def _marker_line(self, width: int) -> Line:
        assert self.compaction is not None
        colour = row_draw.Colours(self.app.theme_variables)
        return row_draw.marker_line(
            self.app.console, self.compaction, width, self.rich_style, colour
        )

    def _settle(self, crop: Region, width: int) -> None:
        """Render the rows in view before drawing them, so their heights are exact; rows
        whose estimate was wrong above the first row already drawn move the scroll
        position by the difference (the rows the user was reading stay where they were)."""
        self._shift = 0
        for _ in range(4):  # a few passes: a correction can bring other rows into view
            self._layout(width)
            first = max(0, self._row_at(crop.y + self._shift))
            index, moved, anchored, fresh = first, 0, False, False
            end = self._total  # (what is below the rows, in view, is an anchor too)
            while index < len(self.rows) and self._start(index) < crop.bottom + self._shift:
                message = self.rows[index]
                if message.id is not None and message.id in self._heights:
                    anchored = True
                else:
                    change = self._fix_height(index, len(self.row_lines(message, width)))
                    fresh = True
                    if not anchored:
                        moved += change
                index += 1
            if not fresh:
                return
            anchored = anchored or crop.bottom + self._shift >= end
            if anchored and moved:
                self._shift += moved
            self.refresh(layout=True)
        # (after four passes the rest is drawn from estimates and settles next frame)

    def render_lines(self, crop: Region) -> list[Strip]:
        width = self.content_region.width
        if width > 0 and self.rows:
            self._settle(crop, width)
            if self._shift:
                self._scroll_by(self._shift)
        try:
            return Widget.render_lines(self, crop)
        finally:
            self._shift = 0

    def _scroll_by(self, lines: int) -> None:
        """Move the column's scroll position by `lines` after this frame (this frame is
        already drawn as if it had moved), and draw again from the moved position."""
        parent = self.parent
        if not isinstance(parent, Widget):
            return
        target = parent.scroll_y + lines

        def scroll() -> None:
            parent.scroll_to(y=target, animate=False, immediate=True)
            self.refresh()

        self.call_later(scroll)

    def render_line(self, y: int) -> Strip:
        y += self._shift
        return self._selected(self._line(y), y, 0)

    def _line(self, y: int) -> Strip:
        width = self.content_region.width
        style = self.rich_style
        self._layout(width)
        index = self._row_at(y)
        if index < 0:
            return Strip(blank(width, style), width)
        start = self._start(index)
        lines = self.row_lines(self.rows[index], width)
        if y - start < len(lines):
            return Strip(lines[y - start]).crop_extend(0, width, style)
        # Below the row: a margin, or the compaction marker just above the next row.
        after = index + 1
        if after < len(self.rows) and self._marker_before(after) and y == self._start(after) - 1:
            return Strip(self._marker_line(width), width)
        return Strip(blank(width, style), width)

    # ---- the mouse ----------------------------------------------------------------------

    def on_click(self, event: Click) -> None:
        """A click on a reply's reasoning header folds or unfolds that reasoning; a click
        anywhere else on a row asks for its message to be focused (`Clicked`). The end of
        a drag is a click too: it leaves the selection it made alone."""
        self._layout(self.content_region.width)
        index = self._row_at(event.y)
        if index < 0 or self.text_selection is not None or event.chain > 1:
            return
        message = self.rows[index]
        if message.id is None:
            return
        start = self._start(index)
        if event.y - start >= len(self.row_lines(message, self.content_region.width)):
            return  # the margin below the row, or the compaction marker above the next
        if event.y == start and message.role == "assistant" and message.reasoning_content:
            self.toggled ^= {message.id}
            self._heights.pop(message.id, None)
            self._dirty = True
            self.refresh(layout=True)
            return
        event.stop()
        self.post_message(self.Clicked(message.id, event.screen_y - (event.y - start)))

    # A selection over rows is drawn to text row by row, each row rendered (~4 ms a reply):
    # a copy takes at most this many rows, the newest of them, and says what it left out.
    copy_rows = 1_000

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a selection, from each row's rendered lines (not from `y`, whose
        rows below the screen may still stand at estimated heights)."""
        width = self.content_region.width
        self._layout(width)
        if not self.rows or width <= 0:
            return None
        first, skip = self._place(selection.start.y) if selection.start else (0, 0)
        last, upto = self._place(selection.end.y) if selection.end else (len(self.rows) - 1, -1)
        start, end = selection.start, selection.end
        note: list[str] = []
        if last - first >= self.copy_rows:
            left_out = last - self.copy_rows + 1 - first
            note = [
                f"[{left_out} earlier messages not copied: a selection copies at most "
                f"{self.copy_rows}; an export has them all]"
            ]
            first, skip, start = last - self.copy_rows + 1, 0, None
        lines: list[str] = []
        for index in range(first, last + 1):
            block = self._block_text(index, width)
            if index == last and upto >= 0:
                block = block[: min(upto, len(block) - 1) + 1]
            lines += block[min(skip, len(block) - 1) :] if index == first else block
        lines = note + lines
        head = Offset(start.x, 0) if start is not None else None
        tail = Offset(end.x, len(lines) - 1) if end is not None else None
        return Selection(head, tail).extract("\n".join(lines)), "\n"

    def _place(self, y: int) -> tuple[int, int]:
        """Row `y` is in, and `y`'s line in that row's block (its body, then the gap below)."""
        index = max(0, self._row_at(y))
        return index, max(0, y - self._start(index))

    def _block_text(self, index: int, width: int) -> list[str]:
        """Row `index` as text: its body's lines, then the blank lines below it (the
        compaction marker last, when it goes above the next row), as drawn."""
        message = self.rows[index]
        body = [Strip(line).crop(0, width).text.rstrip() for line in self.row_lines(message, width)]
        gap = MARGINS.get(message.role, (0, 0))[1]
        marker = ""
        if index + 1 < len(self.rows):
            gap += self._top_gap(index + 1)
            if self._marker_before(index + 1):
                gap -= 1
                marker = Strip(self._marker_line(width)).text.rstrip()
        return body + [""] * gap + ([marker] if marker else [])
