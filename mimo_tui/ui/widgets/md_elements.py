"""How each Markdown element of a reply looks: Rich's elements, restyled to read like a
document in the app's theme.

- headings by weight and rules, never underlined or link-blue: h1 bold over a heavy rule in
  the theme's accent, h2 bold over a thin rule, h3 bold, h4 bold muted, h5/h6 italic;
- tables with a rounded border and a rule under the header;
- block quotes behind a coloured bar; horizontal rules as a thin line;
- task lists (`- [ ]`, `- [x]`) with boxes instead of bullets;
- links underlined in the link colour, live (OSC 8, and a click) only for http/https;
- inline code on its own tint, readable in light, dark and high contrast themes.

Every colour comes from a MarkdownPalette (md_palette), passed in as a Rich theme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich import box
from rich.markdown import (
    BlockQuote,
    CodeBlock,
    Heading,
    HorizontalRule,
    ListItem,
    MarkdownContext,
    Paragraph,
    TableElement,
)
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from mimo_tui.ui.widgets.links import safe_link
from mimo_tui.ui.widgets.md_palette import MarkdownPalette

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult


def markdown_theme(palette: MarkdownPalette) -> Theme:
    """The `markdown.*` styles Rich's elements look up, in the palette's colours."""
    p = palette
    return Theme(
        {
            "markdown.code": Style(color=p.inline_code, bgcolor=p.inline_code_background),
            "markdown.code_block": Style(),
            "markdown.block_quote": Style(color=p.muted, italic=True),
            "markdown.quote_bar": Style(color=p.quote_bar, bold=True),
            "markdown.item.bullet": Style(color=p.heading_rule, bold=True),
            "markdown.item.number": Style(color=p.muted),
            "markdown.item.task": Style(color=p.heading_rule),
            "markdown.hr": Style(color=p.code_border),
            "markdown.h1": Style(color=p.heading, bold=True),
            "markdown.h2": Style(color=p.heading, bold=True),
            "markdown.h3": Style(color=p.heading, bold=True),
            "markdown.h4": Style(color=p.muted, bold=True),
            "markdown.h5": Style(color=p.heading, italic=True),
            "markdown.h6": Style(color=p.muted, italic=True),
            "markdown.h1.rule": Style(color=p.heading_rule),
            "markdown.h2.rule": Style(color=p.code_border),
            "markdown.link": Style(color=p.link, underline=True),
            "markdown.link_url": Style(color=p.link, underline=True),
            "markdown.table.border": Style(color=p.table_border),
            "markdown.table.header": Style(color=p.heading, bold=True),
        },
        inherit=True,
    )


class DocHeading(Heading):
    """A heading by weight (and, for h1/h2, a rule under it), left-aligned."""

    RULES: ClassVar[dict[str, str]] = {"h1": "━", "h2": "─"}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = self.text.copy()
        text.justify = "left"
        yield text
        rule = self.RULES.get(self.tag)
        if rule:
            style = console.get_style(f"markdown.{self.tag}.rule", default="none")
            width = min(options.max_width, max(text.cell_len, 8))
            yield Text(rule * width, style=style)


class DocQuote(BlockQuote):
    """A block quote behind a bar in the quote colour."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        render_options = options.update(width=options.max_width - 2)
        lines = console.render_lines(self.elements, render_options, style=self.style)
        bar = Segment("▎ ", console.get_style("markdown.quote_bar", default="none"))
        for line in lines:
            yield bar
            yield from line
            yield Segment.line()


class DocRule(HorizontalRule):
    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Rule(style=console.get_style("markdown.hr", default="none"), characters="─")


class DocTable(TableElement):
    """A table with a rounded border and a rule under its header."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = Table(
            box=box.ROUNDED,
            border_style="markdown.table.border",
            header_style="markdown.table.header",
            show_edge=True,
            pad_edge=True,
            collapse_padding=False,
        )
        if self.header is not None and self.header.row is not None:
            for column in self.header.row.cells:
                table.add_column(column.content.copy(), justify=column.justify)
        if self.body is not None:
            for row in self.body.rows:
                table.add_row(*(cell.content for cell in row.cells))
        yield table


class DocListItem(ListItem):
    """A list item; `[ ]` / `[x]` at its start (a task) is drawn as a box for a bullet, and
    an ordered item's number keeps its period (`1.`, as written and as a document prints
    it; Rich drops it, so `1 Read` reads like a count)."""

    def render_number(
        self, console: Console, options: ConsoleOptions, number: int, last_number: int
    ) -> RenderResult:
        width = len(str(last_number)) + 3  # the digits, the period, a space either side
        lines = console.render_lines(
            self.elements, options.update(width=options.max_width - width), style=self.style
        )
        style = console.get_style("markdown.item.number", default="none")
        for n, line in enumerate(lines):
            yield Segment(f"{number}.".rjust(width - 1) + " " if n == 0 else " " * width, style)
            yield from line
            yield Segment.line()

    def _task(self) -> str | None:
        children = self.elements._renderables
        first = children[0] if children else None
        if not isinstance(first, Paragraph):
            return None
        plain = first.text.plain
        for mark, box_char in (("[ ] ", "☐"), ("[x] ", "☑"), ("[X] ", "☑")):
            if plain.startswith(mark) or plain == mark.rstrip():
                first.text = first.text[len(mark) :]
                return box_char
        return None

    def render_bullet(self, console: Console, options: ConsoleOptions) -> RenderResult:
        task = self._task()
        if task is None:
            yield from super().render_bullet(console, options)
            return
        render_options = options.update(width=options.max_width - 3)
        lines = console.render_lines(self.elements, render_options, style=self.style)
        style = console.get_style("markdown.item.task", default="none")
        for n, line in enumerate(lines):
            yield Segment(f" {task} " if n == 0 else "   ", style)
            yield from line
            yield Segment.line()


class DocCodeBlock(CodeBlock):
    """An indented code block (fenced ones are split out and framed: markdown_render)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from mimo_tui.ui.widgets.markdown_render import framed_code

        yield framed_code(str(self.text).rstrip(), self.lexer_name, None, options.max_width)


ELEMENTS = {
    "heading_open": DocHeading,
    "blockquote_open": DocQuote,
    "hr": DocRule,
    "table_open": DocTable,
    "list_item_open": DocListItem,
    "code_block": DocCodeBlock,
    "fence": DocCodeBlock,
}

__all__ = ["ELEMENTS", "MarkdownContext", "markdown_theme", "safe_link"]
