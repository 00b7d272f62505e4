"""A finished reply, drawn as one widget from cached lines (StoredReply), and a superseded
version of one shown while the user looks at it (SupersededReply).

The live reply (AssistantMessage, message.py) hands its rendered blocks over when it
finishes, so only its unfinished tail is rendered again.
"""

from __future__ import annotations

import zlib
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.message import Message as TextualMessage

from mimo_tui.model import Message
from mimo_tui.text import one_line, visible
from mimo_tui.ui.keymap import keymap_of
from mimo_tui.ui.widgets.code_copy import COPY_CODE_BINDINGS, CodeCopy
from mimo_tui.ui.widgets.conversation_items import Reply
from mimo_tui.ui.widgets.kept_lines import ReplyKey, kept_for
from mimo_tui.ui.widgets.lines import (
    RENDERED,
    Line,
    LinesWidget,
    MarkdownBlocks,
    blank,
    links_across_blocks,
    render_strips,
)
from mimo_tui.ui.widgets.links import safe_link
from mimo_tui.ui.widgets.md_palette import current_palette
from mimo_tui.ui.widgets.message import meta_text, reasoning_title
from mimo_tui.ui.widgets.reasoning import WrappedLines
from mimo_tui.ui.widgets.steppable import STEP_BINDINGS


class StoredReply(Reply, LinesWidget, CodeCopy, can_focus=True):
    """A finished reply, drawn as ONE widget from cached lines, not the dozen a live
    Markdown reply needs: a long session opens and scrolls as fast as a short one.

    The reasoning shows as a one-line header that Enter, Ctrl+R or a click unfolds. A reply
    that just finished streaming passes in the blocks it already rendered (`blocks`), so only
    its unfinished tail is rendered again.
    """

    BINDINGS = [
        *STEP_BINDINGS,
        *COPY_CODE_BINDINGS,
        Binding("c", "act('copy')", "Copy", id="stored.copy_answer"),
        Binding("g", "act('regenerate')", "Regenerate", id="stored.regenerate"),
        Binding("enter", "toggle_reasoning", "Reasoning", id="stored.reasoning"),
        Binding("left", "scroll_code(-8)", "Code left", id="stored.code_left", show=False),
        Binding("right", "scroll_code(8)", "Code right", id="stored.code_right", show=False),
        # Not ←/→ (those scroll wide code); shown on the reply's own line, not the footer.
        Binding(
            "left_square_bracket",
            "version(-1)",
            "Older version of a regenerated reply",
            id="stored.version_older",
            show=False,
        ),
        Binding(
            "right_square_bracket",
            "version(1)",
            "Newer version of a regenerated reply",
            id="stored.version_newer",
            show=False,
        ),
        Binding("s", "toggle_sources", "Sources", id="stored.sources", show=False),
        Binding("o", "open_source", "Open a source", id="stored.open_source", show=False),
    ]

    class VersionWanted(TextualMessage):
        """`[` or `]` on a reply that has other versions: show the one `direction` away."""

        def __init__(self, reply: StoredReply, direction: int) -> None:
            super().__init__()
            self.reply = reply
            self.direction = direction

    superseded = False  # a version regenerate replaced (SupersededReply)

    def __init__(
        self,
        message: Message,
        reasoning_open: bool = False,
        blocks: MarkdownBlocks | None = None,
        error_below: bool = False,
    ) -> None:
        status = {"interrupted": "-interrupted", "error": "-error"}.get(message.status, "")
        super().__init__(classes=status)
        self.message = message
        self.error_below = error_below  # its error is in the notice under it (meta_text)
        self._reasoning_open = reasoning_open
        answer = visible(message.content)
        # The blocks the reply streamed in, when they render as the whole answer would.
        if blocks is None or blocks.text != answer or links_across_blocks(answer):
            blocks = MarkdownBlocks([answer])
        self._blocks = blocks
        self._cache: tuple[tuple, list[Line]] | None = None
        self._reasoning: str | None = None
        self._wrapped = WrappedLines()  # the open reasoning's lines, wrapped once per width
        self.turn: int | None = None  # the user message answered, once versions are known
        self.version: tuple[int, int] | None = None  # (this one, how many), 1-based
        self._sources: Any = None  # web search: its SourcesPanel (ui/widgets/sources.py)
        self._sources_at: int | None = None  # the panel's header line, once drawn
        if message.sources:
            from mimo_tui.ui.widgets.sources import SourcesPanel

            self._sources = SourcesPanel(message.sources) or None

    def set_version(self, turn: int | None, index: int, total: int) -> None:
        """Mark this reply as version `index` of `total` of the answer to `turn`."""
        if (self.turn, self.version) != (turn, (index, total)):
            self.turn, self.version = turn, (index, total)
            self._draw()

    def _version_hint(self) -> str:
        """` · version 2 of 2 · [ / ] to switch`, with the keys as the user bound them."""
        if self.version is None:
            return ""
        keymap = keymap_of(self.app)
        keys = [
            self.app.get_key_display(Binding(keymap.get(f"stored.{n}", d).split(",")[0], ""))
            for n, d in (
                ("version_older", "left_square_bracket"),
                ("version_newer", "right_square_bracket"),
            )
        ]
        index, total = self.version
        return f" · version {index} of {total} · {keys[0]} / {keys[1]} to switch"

    def action_version(self, direction: int) -> None:
        self.post_message(self.VersionWanted(self, direction))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "version":  # only a regenerated reply has other versions
            return self.version is not None
        if action in ("toggle_sources", "open_source"):
            return self._sources is not None
        return True

    @property
    def reasoning_open(self) -> bool:
        return self._reasoning_open

    @property
    def reasoning_text(self) -> str:
        if self._reasoning is None:  # made visible once: 5 MB of it took ~1 s each time
            self._reasoning = visible(self.message.reasoning_content)
        return self._reasoning

    @property
    def answer_text(self) -> str:
        return visible(self.message.content)

    @property
    def reasoning_header(self) -> str:
        msg = self.message
        return reasoning_title(msg.usage.reasoning_tokens if msg.usage else None, msg.reasoning_ms)

    def _variable(self, name: str) -> Style:
        """A colour of the current theme (reasoning, errors...), so themes style replies."""
        colour = self.app.theme_variables.get(name)
        try:
            return Style(color=colour) if colour else Style(dim=True)
        except Exception:  # e.g. "auto 70%": not a plain colour
            return Style(dim=True)

    def _head(self, console: Console, width: int, style: Style) -> list[Line]:
        """The reasoning header, and when open the reasoning, wrapped by WrappedLines (not
        as one Rich Text: opening 5 MB of reasoning took 11 s that way)."""
        msg = self.message
        if not msg.reasoning_content:
            return []
        arrow = "▼" if self.reasoning_open else "▶"
        reasoning = self._variable("reasoning-foreground")
        head = Text(f"▍{arrow} {self.reasoning_header}", style=reasoning)
        lines = render_strips(console, head, width, style)
        if self.reasoning_open and width > 3:
            body = style + reasoning + Style(italic=True)
            indent = (Segment("   ", style),)
            lines += self._wrapped.lines(self.reasoning_text, width - 3, body, indent, style)
        return [*lines, *render_strips(console, Text(""), width, style)]

    def action_scroll_code(self, delta: int) -> None:
        self.scroll_code(delta)

    def _meta(self, wide_code: bool = False) -> Text:
        variable = {"interrupted": "warning", "error": "error-foreground"}.get(
            self.message.status, "text-muted"
        )
        style = self._variable(variable)
        hint = " · ←/→ scroll wide code" if wide_code else ""
        lead = "superseded · " if self.superseded else ""
        runtime = getattr(self.app, "runtime", None)
        catalogue = runtime.settings.catalogue if runtime is not None else None
        meta = meta_text(self.message, self.error_below, catalogue)
        return Text(lead + meta + self._version_hint() + hint, style=style)

    def build_lines(self, width: int) -> list[Line]:
        style = self.rich_style
        sources = self._sources
        palette = current_palette()  # (the theme's, and whether code is coloured yet)
        key = (width, style, palette, self.reasoning_open, self.version, sources and sources.open)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        msg = self.message
        shared = None
        if msg.id is not None and not self.superseded:  # the same message mounted again
            shared = ReplyKey(
                msg.id,
                msg.session_id,
                msg.status,
                zlib.crc32(msg.content.encode()),
                zlib.crc32(msg.reasoning_content.encode()),
                msg.error,
                self.error_below,
                self.app.theme,
                *key,
            )
            cached = RENDERED.get(shared) or kept_for(shared)
            if cached is not None:
                lines, self._sources_at = cached
                self._cache = (key, lines)
                return lines
        console = self.app.console
        lines = self._head(console, width, style)
        wide = False
        if self.message.content:
            body = self._blocks.lines(console, width, style)
            wide = any(sum(s.cell_length for s in line) > width for line in body)
            if sources is not None:  # the answer's [n] markers refer to the panel below
                from mimo_tui.ui.widgets.sources import mark_citations

                accent = self._variable("accent") + Style(bold=True)
                body = mark_citations(body, len(sources.sources), accent)
            lines += body
            lines.append(blank(width, style))
        if sources is not None:
            self._sources_at = len(lines)
            lines += sources.lines(console, width, style, self._variable("accent"))
            lines.append(blank(width, style))
        lines += render_strips(console, self._meta(wide), width, style)
        self._cache = (key, lines)
        if shared is not None:
            RENDERED.put(shared, lines, self._sources_at)
        return lines

    def _draw(self) -> None:
        self._cache = None
        self.refresh(layout=True)

    def toggle_reasoning(self) -> bool:
        if not self.message.reasoning_content:
            return False
        self._reasoning_open = not self._reasoning_open
        self._draw()
        return True

    @property
    def has_reasoning(self) -> bool:
        return bool(self.message.reasoning_content)

    def action_toggle_sources(self) -> None:
        if self._sources is not None:
            self._sources.open = not self._sources.open
            self._draw()

    def action_open_source(self, start: int | None = None) -> None:
        """The reply's sources in a picker; the URL chosen there opens in the browser."""
        if self._sources is None:
            return
        from mimo_tui.ui.widgets.sources import SourcePicker

        def chosen(url: str | None) -> None:
            if url:
                self.app.open_url(url)
                self.notify(f"Opening {one_line(url)}", markup=False, timeout=3)

        self.app.push_screen(SourcePicker(self._sources.sources, start), chosen)

    def on_click(self, event: Click) -> None:
        """The reasoning header folds; a code block's label copies it; a web link opens."""
        style = event.style
        if self.copy_code_at(style.meta):
            return
        link = safe_link(style.link or "")
        if link:
            self.app.open_url(link)
        elif event.y == 0 and self.has_reasoning:  # the reasoning header line
            self.toggle_reasoning()
        elif self._sources_at is not None and self._sources is not None:
            row = event.y - self._sources_at
            if row == 0:
                self.action_toggle_sources()
            elif self._sources.open and 1 <= row <= len(self._sources.sources):
                self.action_open_source(row - 1)


class SupersededReply(StoredReply):
    """A version of a reply that regenerate replaced, shown in place of the active one while
    the user looks at it (`[` / `]`): marked "superseded", its rounds as one reply (see
    versions.combined), its reasoning folded. Never replayed to the model."""

    DEFAULT_CSS = """
    SupersededReply { border-left: dashed $foreground 40%; color: $text-muted; }
    """

    superseded = True

    def __init__(self, message: Message, turn: int | None, index: int, total: int) -> None:
        super().__init__(message)
        self.turn, self.version = turn, (index, total)
