"""Model Markdown rendered by Rich, styled like a document, with code blocks kept unwrapped.

Imported at the first reply drawn, not at start-up: markdown-it, Rich's Markdown and
Pygments take ~30 ms to import, and a new session's first frame draws no reply.

A fenced code block is drawn as a frame on a tinted background, its number and language in
the top border and `yN copy` on the right (a click there copies it too: the label's cells
carry `CODE_META`). The frame is as wide as the widest code line, so a wide block scrolls
sideways as one piece while the prose around it stays put. Math in prose is shown as a
Unicode approximation (mimo_tui.latex); the stored text, copies and exports keep the TeX.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from rich.cells import cell_len
from rich.console import Console
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style
from rich.syntax import PygmentsSyntaxTheme, Syntax, SyntaxTheme

from mimo_tui.latex import math_to_unicode
from mimo_tui.mdtext import parse_all, visible_decoded
from mimo_tui.text import split_code
from mimo_tui.ui.widgets.code_copy import CODE_META
from mimo_tui.ui.widgets.lines import Line, blank, render_strips
from mimo_tui.ui.widgets.md_elements import ELEMENTS, markdown_theme, safe_link
from mimo_tui.ui.widgets.md_palette import MarkdownPalette, current_palette

if TYPE_CHECKING:
    from markdown_it.token import Token
    from rich.console import ConsoleOptions, RenderResult
    from rich.theme import Theme


class ModelMarkdown(RichMarkdown):
    """Model text as Rich Markdown in the document style (md_elements): http/https links
    live, others shown as plain underlined text; raw HTML shows as the text it is.

    Rich builds a new markdown-it parser for every document (~0.5 ms); a reply is rendered
    as many small documents, so one parser configured as Rich configures it is shared.
    The attributes are those `RichMarkdown.__init__` sets (a test renders through them).
    """

    _parser: MarkdownIt | None = None
    elements = {**RichMarkdown.elements, **ELEMENTS}

    def __init__(self, markup: str) -> None:
        if ModelMarkdown._parser is None:
            # HTML off: raw HTML is text. Rich draws nothing for html_block/html_inline
            # tokens, so a paragraph starting with `<script>` was stored but never shown.
            parser = MarkdownIt("commonmark", {"html": False})
            ModelMarkdown._parser = parser.enable("strikethrough").enable("table")
        self.markup = markup
        self.parsed = visible_decoded(parse_all(ModelMarkdown._parser, markup))
        _only_web_links(self.parsed)
        self.code_theme = self.inline_code_theme = "ansi_dark"
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None


def _only_web_links(tokens: list[Token]) -> None:
    """A link that is not http/https keeps its text and style but is not live."""
    for token in tokens:
        for child in token.children or ():
            if child.type == "link_open":
                child.attrs["href"] = safe_link(str(child.attrs.get("href", "")))


def markdown(source: str) -> RichMarkdown:
    return ModelMarkdown(source)


@functools.lru_cache(maxsize=64)
def lexer(language: str) -> Lexer | str:
    """The Pygments lexer for a fence's language, looked up once (`Syntax` looks it up for
    every block); an unknown language is plain text."""
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return "text"


@functools.lru_cache(maxsize=8)
def _rich_theme(palette: MarkdownPalette) -> Theme:
    return markdown_theme(palette)


class _OnTint(PygmentsSyntaxTheme):
    """A Pygments style without its background: code is drawn on the theme's code tint
    (passed as the base style). Rich then takes its fast path for a transparent
    background, one pass over the text instead of a second render of every line."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._background_color = None
        self._background_style = Style()


@functools.lru_cache(maxsize=8)
def syntax_theme(name: str) -> SyntaxTheme:
    """A Pygments style as Rich uses it, made once: each one caches the Rich style of every
    token type, and a new one per block (Syntax(theme=name)) made code 3x slower to draw."""
    try:
        return _OnTint(name)
    except Exception:  # not a Pygments style (a theme's typo): the terminal's colours
        return Syntax.get_theme("ansi_dark")


def code_label(language: str | None, number: int | None) -> str:
    """`1 · python`: what a code block's top border says."""
    name = language if language and language != "text" else "code"
    return f"{number} · {name}" if number is not None else name


class FramedCode:
    """A code block: a frame on the palette's code tint, its label in the top border."""

    def __init__(
        self,
        code: str,
        language: str | None,
        number: int | None,
        palette: MarkdownPalette | None = None,
        wrap: bool = False,
    ) -> None:
        self.code = code
        self.language = language
        self.number = number
        self.palette = palette or current_palette()
        self.wrap = wrap  # a block drawn at its own width (top level) never needs to wrap

    def lines(self, console: Console, width: int) -> list[Line]:
        """The block as lines of exactly `width` cells (drawn once: no second pass to
        split and crop what Rich rendered)."""
        p = self.palette
        width = max(width, 6)
        tint = Style(bgcolor=p.code_background)
        border = tint + Style(color=p.code_border)
        meta = Style.from_meta({CODE_META: self.number}) if self.number is not None else Style()
        label_style = tint + Style(color=p.code_label, bold=True) + meta
        hint_style = tint + Style(color=p.code_label) + meta
        label = f" {code_label(self.language, self.number)} "
        hint = f" y{self.number} copy " if self.number is not None and self.number <= 9 else ""
        if cell_len(label) + cell_len(hint) + 4 > width:
            hint = ""
        if cell_len(label) + 4 > width:
            label = ""
        fill = width - 4 - cell_len(label) - cell_len(hint)
        top = [
            Segment("╭─", border),
            Segment(label, label_style),
            Segment("─" * fill, border),
            Segment(hint, hint_style),
            Segment("─╮", border),
        ]
        syntax = Syntax(
            self.code,
            lexer(self.language or "text") if p.highlight else "text",
            theme=syntax_theme(p.code_theme),
            tab_size=4,
            word_wrap=self.wrap,
        )
        inner = console.options.update(width=width - 4, highlight=False)
        left, right = Segment("│ ", border), Segment(" │", border)
        body = [
            [left, *line, right]
            for line in console.render_lines(syntax, inner, style=tint, pad=True)
        ]
        return [top, *body, [Segment("╰" + "─" * (width - 2) + "╯", border)]]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(console, options.max_width):
            yield from line
            yield Segment.line()


def framed_code(code: str, language: str | None, number: int | None, width: int) -> FramedCode:
    """A code block nested in a list or quote: as wide as its place, so its lines wrap."""
    return FramedCode(code, language, number, wrap=True)


def code_width(code: str) -> int:
    """The cells a code block's frame needs: its widest line, the frame and its padding."""
    return max((cell_len(ln.expandtabs(4)) for ln in code.splitlines()), default=0) + 4


def render_markdown_block(
    console: Console,
    source: str,
    width: int,
    style: Style,
    first_code: int = 1,
    palette: MarkdownPalette | None = None,
) -> list[Line]:
    """One Markdown block in the palette's style (the app's theme by default). Code blocks
    are numbered from `first_code` and not wrapped: their lines keep their full length
    (wider than `width`) and the widget shows a window onto them that scrolls sideways."""
    palette = palette or current_palette()
    lines: list[Line] = []
    number = first_code
    with console.use_theme(_rich_theme(palette)):
        for text, language in split_code(source):
            if language is None:
                part = render_strips(console, markdown(math_to_unicode(text)), width, style)
                while part and _is_blank(part[0]):  # Rich opens some blocks (lists) with a blank
                    part.pop(0)
                while part and _is_blank(part[-1]):
                    part.pop()
            else:
                code = FramedCode(text, language, number, palette)
                part = code.lines(console, max(width, code_width(text)))
                number += 1
            if lines and part:
                lines.append(blank(width, style))  # one blank line between parts, as Rich does
            lines.extend(part)
    return lines


def _is_blank(line: Line) -> bool:
    return all(not segment.text.strip() for segment in line)
