"""The conversation column and what the app itself writes into it.

What the chat screen needs before it shows a message: the scrolling column, the notices
above and below the mounted window of history, the app's own notices. The message widgets
(mimo_tui.ui.widgets.message, with the reasoning panel and Textual's Collapsible) load with
the first message shown or in the warm-up after the first frame: a new chat's first frame
does without their ~3 ms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.widgets import Static

from mimo_tui.model import Message
from mimo_tui.text import visible
from mimo_tui.ui.widgets.lines import LaidOutOnce

if TYPE_CHECKING:
    from textual.dom import DOMNode


class Reply(Protocol):
    """What a reply on screen offers, streaming (AssistantMessage) or stored (StoredReply).

    The two widgets load lazily (after the first frame), so the screen queries them by name
    and types the result through this protocol.
    """

    message: Message | None

    @property
    def reasoning_open(self) -> bool: ...

    @property
    def answer_text(self) -> str: ...

    @property
    def has_reasoning(self) -> bool: ...

    def toggle_reasoning(self) -> bool: ...

    def show_reasoning(self, show: bool) -> None: ...


def replies(node: DOMNode) -> list[Reply]:
    """Every reply below `node`, oldest first."""
    return cast("list[Reply]", list(node.query("AssistantMessage, StoredReply")))


class Conversation(LaidOutOnce, VerticalScroll):
    """The scrolling column of messages; it grows by a frame's worth of lines at a time
    while a reply streams, with one layout per frame."""


class EarlierNotice(Static):
    """At the top of the conversation: how many older messages are still in the store."""

    DEFAULT_CSS = """
    EarlierNotice { color: $text-muted; text-align: center; padding: 0 1; }
    """

    count: reactive[int] = reactive(0)

    def render(self) -> Content:
        return Content(f"↑ {self.count} earlier messages · scroll up to load them")


class LaterNotice(Static):
    """Docked at the bottom while older history is being read: how many newer messages are
    not mounted. Scrolling down brings them back; sending jumps to the newest."""

    DEFAULT_CSS = """
    LaterNotice {
        dock: bottom; color: $text-muted; background: $boost; text-align: center;
        padding: 0 1;
    }
    """

    count: reactive[int] = reactive(0)

    def render(self) -> Content:
        return Content(f"↓ {self.count} newer messages · scroll down to load them")


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


class MessageAction(TextualMessage):
    """A key on a focused message: copy it, edit and resend it, or regenerate it."""

    def __init__(self, action: str, message: Message) -> None:
        super().__init__()
        self.action = action
        self.message = message
