"""Markdown rendered once to lines, and the widgets that draw from those lines.

A Static holding a Rich Markdown renders the whole document again whenever Textual asks for
its height or lines at a new width, and a live `Markdown` widget re-measures every block on
every layout. Both grow with the reply. Here a document is a list of blocks, each rendered
to strips once per width; adding a block renders only that block, and a layout costs a
`len()`. The reply in flight freezes its finished blocks into one of these, and the final
reply takes the same rendered blocks over, so the end of a long stream renders only its
unfinished tail instead of the whole answer again.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


def markdown(source: str) -> RichMarkdown:
    """Model text as Rich Markdown: links are not live, code uses the terminal's colours."""
    return RichMarkdown(source, code_theme="ansi_dark", hyperlinks=False)


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


class MarkdownBlocks:
    """Markdown source in blocks, each rendered at most once per width (and theme)."""

    def __init__(self, sources: Sequence[str] = ()) -> None:
        self.sources: list[str] = [s for s in sources if s]
        self._key: tuple[int, Style] | None = None
        self._lines: list[Line] = []
        self._rendered = 0

    @property
    def text(self) -> str:
        return "".join(self.sources)

    def add(self, source: str) -> None:
        if source:
            self.sources.append(source)

    def lines(self, console: Console, width: int, style: Style) -> list[Line]:
        """All lines at `width`; blocks are separated by one blank line."""
        if (width, style) != self._key:
            self._key, self._lines, self._rendered = (width, style), [], 0
        for source in self.sources[self._rendered :]:
            if self._lines:
                self._lines.append(blank(width, style))
            self._lines.extend(render_strips(console, markdown(source), width, style))
        self._rendered = len(self.sources)
        return self._lines


class LinesWidget(Widget):
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

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        lines = self.build_lines(width) if width > 0 else []
        if 0 <= y < len(lines):
            return Strip(lines[y], width)
        return Strip.blank(width, self.rich_style)


class FrozenBlocks(LinesWidget):
    """The finished blocks of the reply in flight; they never change once added."""

    DEFAULT_CSS = """
    FrozenBlocks { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.blocks = MarkdownBlocks()

    def add(self, source: str) -> None:
        self.blocks.add(source)
        self.refresh(layout=True)

    def build_lines(self, width: int) -> list[Line]:
        return self.blocks.lines(self.app.console, width, self.rich_style)
