"""What the conversation column and the screen share about its items: how stored messages
are read (the Loader callback), which are shown and with which widgets, which stored
message a widget stands for, the replies on screen and the keys on a focused message.

Apart from the column (conversation.py) so that it stays about what is mounted and where.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.message import Message as TextualMessage
from textual.widget import Widget

from mimo_tui.model import Message, ToolRecord
from mimo_tui.ui.widgets.steppable import Steppable
from mimo_tui.ui.widgets.tool_call import ToolCallLine

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from mimo_tui.ui.widgets.code_copy import CodeBlock

# Messages read and mounted as widgets at a time (the newest page, Home's first page, a
# search hit's surroundings); older history scrolled back to comes in as rows (HistoryRows).
# 12 fill a tall terminal; 40 made `mimo-tui -c` render (and highlight) a page nobody sees
# before its first frame: x2.38 -> x2.05 the minimal app at 1,000 messages.
PAGE = 12


class Loader(Protocol):
    """`messages(session, before_id, after_id, limit)`: at most `limit` stored messages
    just older than `before_id`, just newer than `after_id`, or the newest."""

    def __call__(
        self, session_id: str, before: int | None, after: int | None, limit: int = PAGE
    ) -> list[Message]: ...


def shown_in_chat(messages: list[Message]) -> list[Message]:
    """The messages the conversation shows: all but those an edit-and-resend replaced."""
    return [m for m in messages if m.status != "superseded"]


def stored_widgets(msg: Message, reasoning_open: bool) -> list[Widget]:
    """The widget a stored message is shown with, and its attachments' lines under it; each
    carries the message's id (read by row_id). Widget modules load with the first one."""
    from mimo_tui.ui.widgets.message import UserMessage
    from mimo_tui.ui.widgets.stored_reply import StoredReply

    widget: Widget
    if msg.role == "user":
        widget = UserMessage(msg)
    elif msg.role == "tool":
        widget = ToolCallLine(ToolRecord.from_message(msg))
    else:
        widget = StoredReply(msg, reasoning_open=reasoning_open)
    setattr(widget, "stored_id", msg.id)  # noqa: B010 (read by row_id)
    if not msg.attachments:
        return [widget]
    from mimo_tui.ui.widgets.attachment_view import AttachmentLines

    lines = AttachmentLines(msg.attachments)
    setattr(lines, "stored_id", msg.id)  # noqa: B010 (goes with its message)
    return [widget, lines]


def focus_items(children: Iterable[Widget]) -> list[Widget]:
    """The items focus steps through in the conversation: the focusable children, and the
    attachment lines inside a message's AttachmentLines (a container: one level down)."""
    from mimo_tui.ui.widgets.attachment_view import AttachmentLines  # loaded once, lazily

    out: list[Widget] = []
    for w in children:
        if not w.display:
            continue
        if w.can_focus:
            out.append(w)
        elif isinstance(w, AttachmentLines):
            out += [line for line in w.children if line.can_focus and line.display]
    return out


def turn_at_or_after(shown: list[Widget], start: int) -> int | None:
    """The index of the first question in `shown` at or after `start`: where a turn starts,
    so a message and the lines of its attachments and its replies go together."""
    from mimo_tui.ui.widgets.message import UserMessage

    return next(
        (i for i in range(max(0, start), len(shown)) if isinstance(shown[i], UserMessage)),
        None,
    )


def row_id(widget: Widget) -> int | None:
    """The stored message an item of the conversation shows (None: not stored yet)."""
    stored = getattr(widget, "stored_id", None)
    if stored is not None:
        return cast("int", stored)
    message = getattr(widget, "message", None)
    if message is not None:
        return cast("int | None", message.id)
    record = getattr(widget, "record", None)
    return getattr(record, "message_id", None) or getattr(record, "assistant_message_id", None)


class Reply(Steppable):
    """A reply on screen, streaming (AssistantMessage, message.py) or finished (StoredReply,
    stored_reply.py): the stored message it stands for, its answer as shown (what `c`
    copies), its reasoning that folds, its keys on a focused reply and its look when focused.

    Here, not beside the subclasses: those two load lazily (after the first frame), and
    `query(Reply)` must find both without importing them. Each subclass lists this base
    FIRST: Textual matches a type selector (and inherits default CSS) along the first base
    only, so `Reply` is in both widgets' CSS names only from there.
    """

    DEFAULT_CSS = """
    Reply { height: auto; margin: 0 0 1 0; padding: 0 1; }
    Reply:focus { background: $boost; }
    """

    message: Message  # the stored row (while streaming: its id, status "streaming")

    @property
    def answer_text(self) -> str:
        """The answer as shown (control characters made visible): what `c` copies."""
        raise NotImplementedError

    @property
    def has_reasoning(self) -> bool:
        raise NotImplementedError

    @property
    def reasoning_open(self) -> bool:
        raise NotImplementedError

    def toggle_reasoning(self) -> bool:
        """Fold or unfold the reasoning; False if there is none."""
        raise NotImplementedError

    def show_reasoning(self, show: bool) -> None:
        if self.has_reasoning and self.reasoning_open != show:
            self.toggle_reasoning()

    def action_toggle_reasoning(self) -> None:
        self.toggle_reasoning()

    def action_act(self, action: str) -> None:
        self.post_message(MessageAction(action, self.message))


def replies(node: DOMNode) -> list[Reply]:
    """Every reply below `node`, oldest first."""
    return list(node.query(Reply))


class MessageAction(TextualMessage):
    """A key on a focused message: copy it or regenerate it. (`e`, edit and resend, is the
    screen's own action: its editor must open before the next key is passed on.)"""

    def __init__(self, action: str, message: Message) -> None:
        super().__init__()
        self.action = action
        self.message = message


# ---- the replies shown (the screen's keys act on the column through these) -------------


def toggle_reasoning(column: DOMNode) -> bool:
    """Fold or unfold the newest reply's reasoning; False if none has any. A reply whose
    top (where its reasoning is) is scrolled out of view is brought to the top of the
    column: on a long answer, Ctrl+R otherwise changed nothing that could be seen."""
    for reply in reversed(replies(column)):
        if reply.toggle_reasoning():
            if isinstance(column, Widget):
                column.call_after_refresh(_top_into_view, column, reply)
            return True
    return False


def _top_into_view(column: Widget, reply: Widget) -> None:
    if reply.is_attached and reply.region.y < column.content_region.y:
        column.scroll_to_widget(reply, top=True, animate=False)


def toggle_all_reasoning(column: DOMNode) -> bool:
    """Open every reasoning shown, or fold them all if all are open, the rows' too; False
    if none."""
    from mimo_tui.ui.widgets.history_rows import HistoryRows

    shown = [r for r in replies(column) if r.has_reasoning]
    show = not all(r.reasoning_open for r in shown)
    for reply in shown:
        reply.show_reasoning(show)
    for rows in column.query_children(HistoryRows):
        rows.fold_all(show)
    return bool(shown)


def last_code_block(column: DOMNode) -> CodeBlock | None:
    """The last code block of the newest answer that has one: among the widgets, or else
    among the rows above them (the newest page is only partly widgets)."""
    from mimo_tui.ui.widgets.code_copy import numbered_code_blocks
    from mimo_tui.ui.widgets.history_rows import HistoryRows

    newest = [reply.answer_text for reply in reversed(replies(column))]
    older = (
        m.content
        for rows in column.query_children(HistoryRows)
        for m in reversed(rows.rows)
        if m.role == "assistant" and m.content
    )
    for text in chain(newest, older):
        blocks = numbered_code_blocks(text)
        if blocks:
            return blocks[-1]
    return None


def last_user_message(column: DOMNode) -> Message | None:
    """The newest question shown (by name: the message widgets load lazily)."""
    users: list[Any] = list(column.query_children("UserMessage"))
    return users[-1].message if users else None
