"""The conversation column: it owns which stored messages are shown and how they are read.

The newest turns of a session that fill the screen (and the reply in flight, which the
screen mounts) are widgets: the line-drawn StoredReply, UserMessage, ToolCallLine, whose
lines are cached per (message, width). Older history is not mounted: the rest of the
newest page, and each page read above as the user scrolls back, is prepended to
HistoryRows, one line-API widget drawing rows of lines (Textual's `Log` pattern), so the
top of a 50,000-message session is reached without a widget mounted. Up on the first
widget, or a click on a row, mounts rows as widgets (the keys c, e, g act on a focused
one); Home shows the first page as widgets, End the newest, a search hit the page around
it. Every read is bounded, through the `messages` callback (Loader).

The column reports upward only by messages (MessageFocused, CallSelected, WindowChanged,
SteppedPastEnd) and never reaches into the screen. The message widgets load lazily (with
the first message shown or after the first frame).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message as TextualMessage
from textual.widget import Widget

from mimo_tui.model import Message
from mimo_tui.ui.widgets.conversation_items import (
    PAGE,
    Loader,
    MessageAction,
    Reply,
    focus_items,
    replies,
    row_id,
    shown_in_chat,
    stored_widgets,
    turn_at_or_after,
)
from mimo_tui.ui.widgets.history_rows import HistoryRows
from mimo_tui.ui.widgets.lines import LaidOutOnce
from mimo_tui.ui.widgets.notices import EarlierNotice, LaterNotice, Notice, show_more
from mimo_tui.ui.widgets.row_heights import screenful_start
from mimo_tui.ui.widgets.steppable import MessageStep
from mimo_tui.ui.widgets.tool_call import ToolCallLine

if TYPE_CHECKING:
    from mimo_tui.compaction import Compaction

__all__ = ["PAGE", "Conversation", "MessageAction", "Notice", "Reply", "replies", "shown_in_chat"]

ROWS_PAGE = 160  # messages read at a time into the rows (no widgets: a read is cheap)
WINDOW = 120  # message widgets mounted at most while paging through history


class Conversation(LaidOutOnce, VerticalScroll):
    """The scrolling column of messages; it grows by a frame's worth of lines at a time
    while a reply streams, with one layout per frame."""

    BINDINGS = [
        Binding("home", "start", "Start of the session", id="conversation.start", show=False),
        Binding("end", "end", "Newest messages", id="conversation.end", show=False),
    ]

    class MessageFocused(TextualMessage):
        """A message of the conversation got the focus (`message` None: not stored yet)."""

        def __init__(self, widget: Widget, message: Message | None) -> None:
            super().__init__()
            self.widget = widget
            self.message = message

    class CallSelected(TextualMessage):
        """A tool call's line was clicked or opened: show it in the inspector."""

        def __init__(self, call_id: str, key: str) -> None:
            super().__init__()
            self.call_id = call_id
            self.key = key

    class WindowChanged(TextualMessage):
        """Which stored messages are mounted changed (e.g. to mark reply versions)."""

    class SteppedPastEnd(TextualMessage):
        """Down on the newest message: the focus leaves the conversation (to the input)."""

    def __init__(
        self,
        messages: Loader | None = None,
        page: int = PAGE,
        window: int = WINDOW,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.messages: Loader = messages or (lambda session, before, after, limit=PAGE: [])
        self.page, self.window = page, window
        self.session_id = ""
        self.reasoning_open = False  # stored replies open with their reasoning unfolded
        self.compaction: Compaction | None = None  # its marker sits at the cut (see below)
        self.busy = False  # a reply streams at the bottom: no cutting the newest widgets
        self._first: int | None = None  # the oldest and newest stored message mounted
        self._last: int | None = None
        self.has_older = False  # stored messages above the window, and below it
        self.has_newer = False
        self.paging = False
        self._rows: HistoryRows | None = None  # (kept: a query per page cost ~1 ms)

    # ---- what is mounted -------------------------------------------------------------------

    def make_widgets(self, msg: Message) -> list[Widget]:
        """The widgets a stored message is shown with, in this column's reasoning fold (or
        the other way, if a click on its row folded it so)."""
        rows = self._rows
        toggled = rows is not None and msg.id in rows.toggled
        if toggled and rows is not None:
            rows.toggled.discard(msg.id)  # the widget holds its fold from now on
        return stored_widgets(msg, self.reasoning_open != toggled)

    def shown(self) -> list[Widget]:
        """The message items mounted, oldest first (not the notices, not the rows)."""
        skip = (Notice, EarlierNotice, LaterNotice, HistoryRows)
        return [w for w in self.children if not isinstance(w, skip)]

    @property
    def rows(self) -> HistoryRows | None:
        """The rows above the widgets (if any): the rest of the newest page when a screenful
        did not need all of it, and the older history scrolled back to."""
        rows = self._rows
        return rows if rows is not None and rows.parent is self else None

    async def _mount_rows(self) -> HistoryRows:
        """The rows, mounted the first time there is something to draw there (a session
        opened with more than a screenful, older history scrolled back to): below the notice
        that there is more, above the mounted messages."""
        rows = self.rows
        if rows is None:
            rows = self._rows = HistoryRows(self.reasoning_open)
            rows.compaction = self.compaction
            notice = next(iter(self.query_children(EarlierNotice)), None)
            if notice is not None:
                await self.mount(rows, after=notice)
            else:
                await self.mount(rows, before=0 if self.children else None)
        rows.reasoning_open = self.reasoning_open
        return rows

    def _clear_rows(self) -> None:
        rows = self.rows
        if rows is not None:
            rows.clear()

    def items(self) -> list[Widget]:
        """The items focus steps through (see focus_items)."""
        return focus_items(self.children)

    async def _read(
        self, before: int | None, after: int | None, limit: int | None = None
    ) -> list[Message]:
        return self.messages(self.session_id, before, after, limit or self.page)

    async def _read_page(
        self, before: int | None, after: int | None, limit: int | None = None
    ) -> tuple[list[Message], bool]:
        """A page, and whether there is more past it in the direction read (older, or
        newer with `after`): one message more is read than kept, so a session of exactly
        a page does not offer an earlier page that is not there."""
        limit = limit or self.page
        page = await self._read(before, after, limit + 1)
        if len(page) <= limit:
            return page, False
        return (page[:limit] if after is not None else page[1:]), True

    async def show_session(self, session_id: str) -> None:
        """Clear the column and show a session's newest page."""
        self.session_id = session_id
        await self.remove_children()
        await self.show_newest()

    async def _show(self, messages: list[Message], older: bool, newer: bool) -> None:
        """Mount exactly these stored messages (keeping the app's notices)."""
        keep = (Notice, EarlierNotice, LaterNotice, HistoryRows)
        await self.remove_children([w for w in self.children if not isinstance(w, keep)])
        self._clear_rows()
        self._first = messages[0].id if messages else None
        self._last = messages[-1].id if messages else None
        self.has_older, self.has_newer = older, newer
        widgets = [w for m in shown_in_chat(messages) for w in self.make_widgets(m)]
        if widgets:
            above = self.rows or next(iter(self.query_children(EarlierNotice)), None)
            if above is not None:
                await self.mount_all(widgets, after=above)
            else:
                await self.mount_all(widgets, before=0 if self.children else None)
        await self._update_notices()

    async def show_newest(self) -> None:
        """The newest page, following the bottom (sending while older history is shown).
        Only the newest turns that fill a screen are widgets; the rest of the page waits
        above them as rows, drawn if scrolled to: opening a session renders what is seen."""
        page, older = await self._read_page(None, None)
        split = screenful_start(page, *self.app.size)  # (the column is not laid out yet)
        await self._show(page[split:], older, False)
        if split:
            rows = await self._mount_rows()
            rows.prepend(shown_in_chat(page[:split]))
            self._first = page[0].id
            await self._place_summary()  # a cut among the rows is theirs to draw
        self.anchor()

    async def show_start(self) -> None:
        """The first page of the session, at the top (Home): one bounded read."""
        page, newer = await self._read_page(None, 0)
        self.release_anchor()
        await self._show(page, False, newer)
        self.call_after_refresh(self.scroll_home, animate=False, immediate=True)

    async def show_around(self, message_id: int) -> Widget | None:
        """Mount the page around one stored message (a search hit) and return its widget."""
        older = await self._read(message_id + 1, None)  # the message and those before it
        newer = await self._read(None, message_id)
        half = self.page // 2
        page = older[-half:] + newer[:half]
        if not any(m.id == message_id for m in page):
            return None
        await self._show(page, len(older) > half, len(newer) > half)
        return next((w for w in self.shown() if row_id(w) == message_id), None)

    async def _update_notices(self) -> None:
        """Say whether there is more above and below the window (notices.show_more)."""
        await show_more(self, self.has_older, self.has_newer)
        await self._place_summary()
        self.post_message(self.WindowChanged())  # every change to the window ends here

    async def set_compaction(self, compaction: Compaction | None) -> None:
        """Show (or stop showing) the session's active compaction at its cut."""
        self.compaction = compaction
        rows = self.rows
        if rows is not None:
            rows.compaction = compaction
            rows.refresh(layout=True)
        await self._place_summary()

    async def _place_summary(self) -> None:
        """The compaction marker just above the first message replayed as it is (see
        summary.marker_among_widgets)."""
        if self.compaction is None and not self.query_children("CompactionSummary"):
            return  # (the class loads lazily, with the first marker)
        from mimo_tui.ui.widgets.summary import marker_among_widgets, place_summary

        rows = self.rows.rows if self.rows is not None else []
        shown = marker_among_widgets(self.compaction, rows, self.has_older, self._first)
        await place_summary(self, self.shown(), shown, row_id)

    async def load_earlier(self) -> bool:
        """Add the previous page above the oldest shown, as rows of lines (no widgets are
        mounted: see HistoryRows); False at the start. The view stays where it was."""
        if not self.has_older or self._first is None:
            return False
        page, self.has_older = await self._read_page(self._first, None, ROWS_PAGE)
        if not page:
            await self._update_notices()
            return False
        self._first = page[0].id
        rows = await self._mount_rows()
        added = rows.prepend(shown_in_chat(page))
        notice = next((w for w in self.children if isinstance(w, EarlierNotice)), None)
        if notice is not None and notice.display != self.has_older:
            notice.display = self.has_older  # the window of widgets is as it was
        if self.compaction is not None:  # its cut may now be among the rows
            await self._place_summary()
        if added:  # what the user looks at stays in place
            self._scroll_after_layout(lambda: self.scroll_y + added)
        return True

    def _scroll_after_layout(self, y: Callable[[], float]) -> None:
        """Scroll to `y()` once the column is laid out again: until then, its height and
        the widgets' places are those before the change (the position would be clamped)."""

        def scroll() -> None:
            self.scroll_to(y=max(0, y()), animate=False, immediate=True)

        self.call_after_refresh(scroll)

    async def load_later(self) -> bool:
        """Mount the next page of newer messages below the newest shown; False at the end."""
        if not self.has_newer or self._last is None:
            return False
        page, self.has_newer = await self._read_page(None, self._last)
        if not page:
            await self._update_notices()
            return False
        self._last = page[-1].id
        shown = self.shown()
        anchor = shown[-1] if shown else None
        widgets = [w for m in shown_in_chat(page) for w in self.make_widgets(m)]
        if widgets:
            await self.mount_all(widgets, after=anchor) if anchor else await self.mount_all(widgets)
        shown = self.shown()
        over = len(shown) > self.window
        cut = turn_at_or_after(shown, len(shown) - self.window) if over else None
        if cut is not None:  # the oldest widgets (and the rows above) go back to the store
            self._clear_rows()
            await self.remove_children(shown[:cut])
            self._first, self.has_older = row_id(shown[cut]), True
        await self._update_notices()
        if anchor is not None:  # what was at the bottom stays in view, the new page below it
            self._keep_in_view(anchor, top=False)
        return True

    def _keep_in_view(self, widget: Widget, top: bool) -> None:
        """Scroll `widget` to the top (or bottom) of the view after the next layout: before
        it, the widget still has the position it had before a page was added above it, and
        the view would land at the very top, where scrolling up again changes nothing."""

        def scroll() -> None:
            if widget.is_attached:
                self.scroll_to_widget(widget, top=top, animate=False, immediate=True)

        self.call_after_refresh(scroll)

    async def trim(self, force: bool = False) -> None:
        """Keep the live DOM small in a long chat: when following the newest messages,
        unmount all but the newest page (the store has them). Sending (force) while older
        history is being read jumps to the newest first."""
        if self.has_newer:
            if force:
                await self.show_newest()
            return
        shown = self.shown()
        if len(shown) <= 2 * self.page or not (force or self.is_vertical_scroll_end):
            return
        cut = turn_at_or_after(shown, len(shown) - self.page)
        if cut is None:
            return
        first = next((row_id(w) for w in shown[cut:] if row_id(w) is not None), None)
        if first is None:
            return
        self._clear_rows()
        await self.remove_children(shown[:cut])
        self._first, self.has_older = first, True
        await self._update_notices()

    # ---- scrolling, keys and focus ---------------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.paging or not self.is_mounted:
            return
        if new <= 0 and self.has_older:
            self._page_in(self.load_earlier)
        elif self.has_newer and new >= self.max_scroll_y and not self.busy:
            self._page_in(self.load_later)

    def _page_in(self, load: Callable[[], Any]) -> None:
        self.paging = True

        async def run() -> None:
            try:
                await load()
            finally:
                self.paging = False

        self.run_worker(run(), group="paging", exit_on_error=False)

    async def action_start(self) -> None:
        await self.jump_to_start()

    async def action_end(self) -> None:
        await self.jump_to_end()

    async def jump_to_start(self) -> None:
        """Home: the first messages of the session, without paging through the rest (while
        a reply streams, the top of what is read: the first page would replace the widgets,
        the reply in flight among them; older pages come in as the top is reached)."""
        if (self.has_older or (self.rows is not None and self.rows.rows)) and not self.busy:
            await self.show_start()
        else:
            self.scroll_home(animate=False)
        items = self.items()
        if items:
            items[0].focus(scroll_visible=False)

    async def jump_to_end(self) -> None:
        """End: back to the newest messages."""
        if self.has_newer:
            await self.show_newest()
        self.scroll_end(animate=False)

    def focus_last(self) -> bool:
        """Focus the newest item (Up from the input); False if there is none."""
        items = self.items()
        if items:
            items[-1].focus()
            items[-1].scroll_visible(animate=False)
        return bool(items)

    async def mount_newest_rows(self, start: int | None = None) -> bool:
        """Turn rows into widgets just above the mounted messages: the newest page of them
        (from a question on), or all from row `start`; False if there were none."""
        rows = self.rows
        if rows is None or not rows.rows:
            return False
        messages = rows.take_newest(self.page) if start is None else rows.take_from(start)
        widgets = [w for m in messages for w in self.make_widgets(m)]
        if widgets:
            await self.mount_all(widgets, after=rows)
        await self._update_notices()
        return bool(widgets)

    @on(HistoryRows.Clicked)
    async def focus_row(self, event: HistoryRows.Clicked) -> None:
        """A click on a row focuses its message: its turn and the rows below become widgets
        (c, e, g act on a focused widget), or, when that would mount more than the window
        holds, the page around it (as for a search hit). It stays where it was clicked."""
        event.stop()
        rows, message_id = self.rows, event.message_id
        at = rows.turn_start(message_id) if rows is not None else None
        if rows is None or at is None:
            return
        incoming = sum(2 if m.attachments else 1 for m in rows.rows[at:])  # widgets
        if incoming <= self.window - len(self.shown()):
            await self.mount_newest_rows(at)
            widget = next((w for w in self.shown() if row_id(w) == message_id), None)
        elif self.busy:  # the page around it would unmount the reply in flight
            return
        else:
            widget = await self.show_around(message_id)
        if widget is None:
            return
        widget.focus(scroll_visible=False)
        if isinstance(widget, ToolCallLine):  # as a click on the line does: the inspector
            widget.action_open()
        top = event.screen_top - self.content_region.y
        self._scroll_after_layout(lambda: widget.virtual_region.y - top)

    @on(MessageStep)
    async def _step(self, event: MessageStep) -> None:
        """Up/Down on a focused message: its neighbour; below the last one, out. Up from
        the first widget mounts the rows above it (c, e, g work on a focused widget)."""
        event.stop()
        items = self.items()
        if event.widget not in items:
            return
        if items.index(event.widget) + event.direction < 0 and await self.mount_newest_rows():
            items = self.items()
        index = items.index(event.widget) + event.direction
        if index >= len(items):
            self.post_message(self.SteppedPastEnd())
        elif index >= 0:
            items[index].focus()
            items[index].scroll_visible(animate=False)

    def on_descendant_focus(self, event: Any) -> None:
        widget = event.widget
        if widget.parent is self:
            self.post_message(self.MessageFocused(widget, getattr(widget, "message", None)))

    @on(ToolCallLine.Selected)
    def _call_selected(self, event: ToolCallLine.Selected) -> None:
        event.stop()
        self.post_message(self.CallSelected(event.call_id, event.key))
