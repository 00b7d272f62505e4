"""Markdown rendered once to lines, and the widgets that draw from those lines.

A Static holding a Rich Markdown renders the whole document again whenever Textual asks for
its height or lines at a new width, and a live `Markdown` widget re-measures every block on
every layout. Both grow with the reply. Here a document is a list of blocks, each rendered
to strips once per width; adding a block renders only that block, and a layout costs a
`len()`. The reply in flight (LiveAnswer) freezes its finished blocks into one of these, and
the final reply takes the same rendered blocks over, so the end of a long stream renders
only its unfinished tail instead of the whole answer again.

The unfinished tail is drawn by the same renderer, over a few hundred characters per
frame. Textual's `Markdown` widget (even through `Markdown.get_stream`) mounts a widget per
block and re-lays them out on every append; measured on a 4,000-token reply, mounting,
styling and arranging those widgets cost more than the SDK's whole read of the stream.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from functools import cache

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from mimo_tui.text import code_blocks
from mimo_tui.ui.widgets.md_palette import MarkdownPalette, current_palette

Line = list[Segment]  # kept as plain segments: a Strip carries seven caches of its own


def render_strips(
    console: Console, renderable: RenderableType, width: int, style: Style
) -> list[Line]:
    """`renderable` as lines of exactly `width` cells."""
    options = console.options.update(width=width, highlight=False)
    lines = console.render_lines(renderable, options, style=style, pad=True)
    return [Segment.adjust_line_length(line, width, style) for line in lines]


def blank(width: int, style: Style) -> Line:
    return [Segment(" " * width, style)]


def render_block(
    console: Console, source: str, width: int, style: Style, first_code: int = 1
) -> list[Line]:
    """One Markdown block as lines, its code blocks numbered from `first_code` (see
    markdown_render; loaded at the first reply drawn, so a new session's first frame does
    not wait for markdown-it and Pygments)."""
    from mimo_tui.ui.widgets.markdown_render import render_markdown_block

    return render_markdown_block(console, source, width, style, first_code)


@cache
def _link_definition_re() -> re.Pattern[str]:
    return re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.M)


def links_across_blocks(text: str) -> bool:
    """Whether `text` defines reference links (`[docs]: https://…`): rendered block by
    block, `[the docs][docs]` in another block stays literal, so it is rendered whole."""
    return "]:" in text and _link_definition_re().search(text) is not None


class MarkdownBlocks:
    """Markdown source in blocks, each rendered at most once per width (and theme)."""

    def __init__(self, sources: Sequence[str] = ()) -> None:
        self.sources: list[str] = [s for s in sources if s]
        self._key: tuple[int, Style, MarkdownPalette] | None = None
        self._lines: list[Line] = []
        self._rendered = 0
        self._codes = 0  # fenced code blocks in the rendered sources (they are numbered)

    @property
    def text(self) -> str:
        return "".join(self.sources)

    def add(self, source: str) -> None:
        if source:
            self.sources.append(source)

    @property
    def code_count(self) -> int:
        """How many fenced code blocks the rendered sources hold (the tail numbers on)."""
        return self._codes

    def lines(self, console: Console, width: int, style: Style) -> list[Line]:
        """All lines at `width` in the theme's palette; blocks are separated by one blank
        line, code blocks numbered from 1 across them."""
        key = (width, style, current_palette())
        if key != self._key:
            self._key, self._lines, self._rendered, self._codes = key, [], 0, 0
        for source in self.sources[self._rendered :]:
            if self._lines:
                self._lines.append(blank(width, style))
            self._lines.extend(render_block(console, source, width, style, self._codes + 1))
            self._codes += len(code_blocks(source))
        self._rendered = len(self.sources)
        return self._lines


class LineCache:
    """The rendered lines of finished messages, per (message, width, style...), least
    recently used dropped first: a page of history mounted again (scrolling back over it,
    Home and back) takes its lines from here instead of rendering Markdown again.

    With the lines goes where a clickable part starts (`mark`, e.g. a reply's sources
    panel), which a widget taking its lines from here would otherwise not know."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._lines: OrderedDict[Hashable, tuple[list[Line], int | None]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[list[Line], int | None] | None:
        entry = self._lines.get(key)
        if entry is not None:
            self._lines.move_to_end(key)
        return entry

    def put(self, key: Hashable, lines: list[Line], mark: int | None = None) -> None:
        self._lines[key] = (lines, mark)
        self._lines.move_to_end(key)
        while len(self._lines) > self.size:
            self._lines.popitem(last=False)

    def items(self) -> list[tuple[Hashable, tuple[list[Line], int | None]]]:
        """Every entry, least recently used first."""
        return list(self._lines.items())

    def clear(self) -> None:
        self._lines.clear()


RENDERED = LineCache()


class LaidOutOnce:
    """Mixin for widgets that grow while a reply streams (the reply, its parts, the
    conversation around them).

    Textual lays the whole screen out a second time, on the next frame, for every widget
    whose virtual size a layout changed (`Widget.virtual_size` is a layout reactive), so each
    frame that added lines paid for two layouts. The layout that sets these widgets' virtual
    size has already placed everything by it; scrollbars that appear or go away still ask
    for their own layout.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0))


class LinesWidget(LaidOutOnce, Widget):
    """A widget drawn from a list of strips it builds for a width (Textual's Line API)."""

    DEFAULT_CSS = """
    LinesWidget { height: auto; }
    """

    def build_lines(self, width: int) -> list[Line]:
        raise NotImplementedError

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.build_lines(width)) if width > 0 else 0

    def redraw(self, lines_before: int) -> None:
        """Show changed content: render it now, at the current width, so that the screen is
        laid out again only if the number of lines changed; otherwise it is a repaint."""
        width = self.content_region.width
        if width <= 0:
            self.refresh(layout=True)
            return
        self.refresh(layout=len(self.build_lines(width)) != lines_before)

    code_x = 0  # how far wide code lines are scrolled to the left
    _drawing: list[Line] | None = None  # the lines of the render pass in progress

    def render_lines(self, crop: Region) -> list[Strip]:
        """Look the lines up once per render pass, not once per line: the lookup's cache key
        includes `rich_style`, which walks every ancestor's styles (~0.1 ms)."""
        width = self.content_region.width
        self._drawing = self.build_lines(width) if width > 0 else []
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def render_line(self, y: int) -> Strip:
        self._line_x = 0
        strip = self._line(y)
        return self._selected(strip, y, self._line_x)

    _line_x = 0  # where the last line drawn starts in its source (wide code scrolled)

    def _line(self, y: int) -> Strip:
        width = self.content_region.width
        lines = self._drawing
        if lines is None:
            lines = self.build_lines(width) if width > 0 else []
        if not 0 <= y < len(lines):
            return Strip.blank(width, self.rich_style)
        strip = Strip(lines[y])
        full = strip.cell_length
        if full <= width:
            return Strip(lines[y], width)
        # A code line wider than the widget: a window at code_x, marked where it continues.
        x = min(self.code_x, full - width)
        self._line_x = x
        strip = strip.crop(x, x + width)
        marker = Style(bold=True, reverse=True)
        if x + width < full:
            strip = strip.crop(0, width - 1)
            strip = Strip([*strip, Segment("›", marker)], width)
        if x > 0:
            strip = Strip([Segment("‹", marker), *strip.crop(1, width)], width)
        return strip

    # ---- mouse selection (Textual's selection API) --------------------------------------
    #
    # Every cell carries its (x, y) offset, so a drag over the widget selects from one line
    # and column to another; the selection is drawn in the screen's selection style and
    # `get_selection` gives the text under it (Ctrl+C / the app's copy takes it from there).

    def _selected(self, strip: Strip, y: int, x: int) -> Strip:
        strip = strip.apply_offsets(x, y)
        selection = self.text_selection
        span = selection.get_span(y) if selection is not None else None
        if span is None:
            return strip
        start, end = span
        start, end = max(0, start - x), strip.cell_length if end == -1 else max(0, end - x)
        if end <= start:
            return strip
        style = self.screen.get_component_rich_style("screen--selection")
        parts = [strip.crop(0, start), strip.crop(start, end).apply_style(style)]
        return Strip.join([*parts, strip.crop(end, strip.cell_length)])

    def selection_text(self) -> str:
        """The widget's text as shown, a line per line (what a selection extracts from)."""
        width = self.content_region.width
        lines = self.build_lines(width) if width > 0 else []
        return "\n".join("".join(seg.text for seg in line).rstrip() for line in lines)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract(self.selection_text()), "\n"

    @property
    def widest(self) -> int:
        width = self.content_region.width
        lines = self.build_lines(width) if width > 0 else []
        return max((sum(s.cell_length for s in line) for line in lines), default=0)

    def scroll_code(self, delta: int) -> bool:
        """Scroll this widget's wide code lines sideways; False if there is nothing to scroll."""
        limit = max(0, self.widest - self.content_region.width)
        new = max(0, min(limit, self.code_x + delta))
        if new == self.code_x:
            return False
        self.code_x = new
        self.refresh()
        return True


class LiveAnswer(LinesWidget):
    """The answer of the reply in flight, as one widget: its finished blocks, rendered once
    (`blocks`), then its unfinished tail (`source`), rendered again at each `show()`.

    `show()` renders at once, at the current width, so the screen lays out again only when
    the widget's height changed; text that grows within a line is a repaint of that line.
    Freezing a block moves its lines from the tail to the finished part without changing
    the height, so it costs no layout either.
    """

    DEFAULT_CSS = """
    LiveAnswer { height: auto; }
    """

    # The height grows GROW_BY lines at a time (blank lines below the text fill the step).
    # A new line of text otherwise changed the screen's layout, and while the reply follows
    # the bottom, a layout scrolls and redraws the whole conversation (~10 ms); within a
    # step a new line is a repaint of the lines that changed (~2 ms). 200 tok/s over 8,000
    # tokens: layout frames 1,400 -> 880 (tail only) -> 620 (tail and finished blocks as one).
    GROW_BY = 4

    def __init__(self, take: Callable[[], tuple[str, str] | None] | None = None) -> None:
        super().__init__()
        self.blocks = MarkdownBlocks()  # the finished blocks
        self.source = ""  # the unfinished tail
        self.take = take  # what arrived since the last frame: (finished, tail) or None
        self._tail: tuple[tuple, list[Line]] | None = None
        self._lines: tuple[tuple, list[Line]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """Take what arrived since the last frame, then draw: new text within the current
        height is in this frame; if it needs more lines, a layout brings them in the next."""
        taken = self.take() if self.take is not None else None
        if taken is not None:
            before = self._line_count()
            self._add(*taken)
            if self._line_count() != before:  # this frame is the repaint; only lay out
                self.refresh(layout=True)
        return super().render_lines(crop)

    def show(self, finished: str, tail: str) -> None:
        """Add `finished` blocks (may be "") and show `tail` as the unfinished end."""
        before = self._line_count()
        self._add(finished, tail)
        self.redraw(before)

    @property
    def is_empty(self) -> bool:
        """Nothing to show yet (so the screen gives it no lines and never draws it)."""
        return not self.source and not self.blocks.sources

    def _add(self, finished: str, tail: str) -> None:
        self.blocks.add(finished)
        self.source = tail

    def _line_count(self) -> int:
        width = self.content_region.width
        return len(self.build_lines(width)) if width > 0 else 0

    def build_lines(self, width: int) -> list[Line]:
        style = self.rich_style
        palette = current_palette()
        key = (width, style, self.source, len(self.blocks.sources), palette)
        if self._lines is not None and self._lines[0] == key:
            return self._lines[1]
        done = self.blocks.lines(self.app.console, width, style)
        first = self.blocks.code_count + 1
        tail_key = (width, style, self.source, palette, first)
        if self._tail is None or self._tail[0] != tail_key:
            lines = render_block(self.app.console, self.source, width, style, first)
            self._tail = (tail_key, lines)
        tail = self._tail[1]
        gap = [blank(width, style)] if done and tail else []  # as between blocks
        lines = done + gap + tail
        lines += [blank(width, style)] * (-len(lines) % self.GROW_BY)
        self._lines = (key, lines)
        return lines
