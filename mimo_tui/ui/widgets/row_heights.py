"""How tall a stored message will be on screen, guessed before it is rendered.

Rendering a reply's Markdown to learn its height is what made paging slow; the rows of
older history (history_rows) start from these guesses and correct them as rows are drawn,
and opening a session mounts as widgets only the newest turns these say fill the screen.
"""

from __future__ import annotations

from mimo_tui.model import Message


def estimate(message: Message, width: int) -> int:
    """Lines a message's row will take at `width`, without rendering it (a guess for
    Markdown: a line per source line plus its wrapping; every stored message passes here
    as it is paged in, so it stays this cheap)."""
    inner = max(1, width - 3)
    if message.role == "tool":
        return 1
    text = message.content or ""
    body = text.count("\n") + 1 + len(text) // inner if text else 0
    if message.role == "user":
        return 1 + max(1, body) + len(message.attachments)
    head = 2 if message.reasoning_content else 0
    return head + body + (1 if text else 0) + 1 + (2 if message.sources else 0)


def screenful_start(messages: list[Message], width: int, height: int) -> int:
    """Where the newest turns of `messages` that fill a `width` x `height` screen start (at
    a question), by the rows' estimate of their heights."""
    start, lines = len(messages), 0
    while start > 0 and lines < height:
        start -= 1
        lines += estimate(messages[start], width)
    while start > 0 and messages[start].role != "user":
        start -= 1
    return start
