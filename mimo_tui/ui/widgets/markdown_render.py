"""Model Markdown rendered by Rich, with code blocks kept unwrapped.

Imported at the first reply drawn, not at start-up: markdown-it, Rich's Markdown and
Pygments take ~30 ms to import, and a new session's first frame draws no reply.
"""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from rich.cells import cell_len
from rich.console import Console
from rich.markdown import Markdown as RichMarkdown
from rich.style import Style
from rich.syntax import Syntax

from mimo_tui.text import split_code
from mimo_tui.ui.widgets.lines import Line, blank, render_strips


class ModelMarkdown(RichMarkdown):
    """Model text as Rich Markdown: links are not live, code uses the terminal's colours,
    raw HTML shows as the text it is.

    Rich builds a new markdown-it parser for every document (~0.5 ms); a reply is rendered
    as many small documents, so one parser configured as Rich configures it is shared.
    The attributes are those `RichMarkdown.__init__` sets (a test renders through them).
    """

    _parser: MarkdownIt | None = None

    def __init__(self, markup: str) -> None:
        if ModelMarkdown._parser is None:
            # HTML off: raw HTML is text. Rich draws nothing for html_block/html_inline
            # tokens, so a paragraph starting with `<script>` was stored but never shown.
            parser = MarkdownIt("commonmark", {"html": False})
            ModelMarkdown._parser = parser.enable("strikethrough").enable("table")
        self.markup = markup
        self.parsed = ModelMarkdown._parser.parse(markup)
        self.code_theme = self.inline_code_theme = "ansi_dark"
        self.justify = None
        self.style = "none"
        self.hyperlinks = False
        self.inline_code_lexer = None


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


def render_markdown_block(console: Console, source: str, width: int, style: Style) -> list[Line]:
    """One Markdown block. Code blocks are not wrapped: their lines keep their full length
    (wider than `width`) and the widget shows a window onto them that scrolls sideways."""
    lines: list[Line] = []
    for text, language in split_code(source):
        if language is None:
            part = render_strips(console, markdown(text), width, style)
            while part and _is_blank(part[0]):  # Rich opens some blocks (lists) with a blank
                part.pop(0)
        else:
            longest = max((cell_len(ln.expandtabs(4)) for ln in text.splitlines()), default=0)
            code = Syntax(text, lexer(language), theme="ansi_dark", padding=(0, 1), tab_size=4)
            part = render_strips(console, code, max(width, longest + 2), style)
        if lines and part:
            lines.append(blank(width, style))  # one blank line between parts, as Rich does
        lines.extend(part)
    return lines


def _is_blank(line: Line) -> bool:
    return all(not segment.text.strip() for segment in line)
