"""How one stored message looks as a row of lines in HistoryRows: as its widget draws it.

A question gets the QuestionMessage's rule, edge and tinted body; a tool call the one-line
summary a folded ToolCallView shows, with its status colour on the edge; a reply the lines
of StoredReply's own `build_lines`, from an instance never mounted (`stamp_class`). Every
colour comes from the theme's variables through `Colours`, so a row follows a theme change
like the widgets do. Text from outside (questions, tool summaries, attachment names, the
compaction title) goes through `visible` before it is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from mimo_tui.model import Message, ToolRecord
from mimo_tui.text import visible
from mimo_tui.ui.widgets.lines import Line, render_strips

if TYPE_CHECKING:
    from mimo_tui.compaction import Compaction

# A tool call's edge colour (a theme variable) by its status, as ToolCallView's CSS has it.
TOOL_BORDERS = {
    "done": "tool-done",
    "failed": "tool-failed",
    "cancelled": "tool-failed",
    "denied": "tool-denied",
}


class Colours:
    """The theme's colours by variable name, each as a Rich colour or None (a variable
    such as "auto 70%" is no plain colour, and a row then leaves the colour unset)."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        self._variables = variables

    def __call__(self, name: str) -> str | None:
        colour = self._variables.get(name)
        try:
            Style(color=colour)
        except Exception:
            return None
        return colour


def tool_row(console: Console, message: Message, width: int, style: Style, colour: Colours) -> Line:
    """A tool call as its one-line summary between a status-coloured edge and a margin."""
    from mimo_tui.ui.widgets.tool_call import call_summary

    record = ToolRecord.from_message(message)
    border = Style(color=colour(TOOL_BORDERS.get(record.status, "tool-border")))
    muted = style + Style(color=colour("text-muted"))
    text = Text(visible(call_summary(record)), style=muted, no_wrap=True)
    body = render_strips(console, text, max(1, width - 4), muted)[0]
    edge = [Segment(" ", style), Segment("█", style + border), Segment(" ", muted)]
    return [*edge, *body, Segment(" ", muted)]


def user_rows(
    console: Console, message: Message, width: int, style: Style, colour: Colours
) -> list[Line]:
    """A question: the turn's rule, then its text beside the primary edge on the boosted
    background, then one line per attachment."""
    boost = colour("boost")
    body = style + Style(bgcolor=boost) if boost else style
    edge = body + Style(color=colour("primary"))
    rule = body + Style(color=colour("turn-rule"))
    text = render_strips(console, Text(visible(message.content)), max(1, width - 3), body)
    lines: list[Line] = [[Segment("┌", rule), Segment("─" * (width - 1), rule)]]
    pad = Segment(" ", body)
    lines += [[Segment("█", edge), pad, *line, pad] for line in text]
    if message.attachments:
        from mimo_tui.ui.widgets.attachment_view import line_text

        muted = style + Style(color=colour("text-muted"))
        for attachment in message.attachments:
            row = Text(" " + line_text(attachment), style=muted, no_wrap=True)
            lines += render_strips(console, row, width, muted)
    return lines


def reply_rows(message: Message, width: int, style: Style, reasoning_open: bool) -> list[Line]:
    """A reply as StoredReply draws it, inside the column's one-cell padding."""
    stamp = stamp_class()(message, reasoning_open=reasoning_open)
    stamp.given = style
    pad = [Segment(" ", style)]
    return [pad + line + pad for line in stamp.build_lines(max(1, width - 2))]


def marker_line(
    console: Console, compaction: Compaction, width: int, style: Style, colour: Colours
) -> Line:
    """The compaction marker: where the replayed history starts after a summary."""
    from mimo_tui.ui.widgets.summary import marker_title

    text = Text(" " + visible(marker_title(compaction, False)), no_wrap=True)
    return render_strips(console, text, width, style + Style(color=colour("accent")))[0]


@cache
def stamp_class() -> type[Any]:
    """A StoredReply never mounted, lending its `build_lines` to a row (made at the first
    row drawn: the message widgets load after the first frame)."""
    from mimo_tui.ui.widgets.stored_reply import StoredReply

    class Stamp(StoredReply):
        given = Style()

        @property
        def rich_style(self) -> Style:
            return self.given

    return Stamp
