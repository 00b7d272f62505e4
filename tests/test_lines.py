"""Markdown drawn from cached lines: what a reply looks like does not depend on how its text
was split into blocks or on the shortcuts taken to render them."""

from __future__ import annotations

from rich.console import Console
from rich.markdown import Markdown as RichMarkdown
from rich.style import Style
from rich.text import Text

from mimo_tui.ui.widgets.lines import MarkdownBlocks, render_block, render_strips
from mimo_tui.ui.widgets.markdown_render import lexer, markdown

SAMPLE = """# Title

Some *emphasis*, **bold**, ~~struck~~ and `inline code`, a [link](https://example.com).

1. first
2. second
   - nested

> a quote

| name | value |
|------|------:|
| a    | 1     |

---
"""


def text_of(lines) -> list[str]:
    return ["".join(segment.text for segment in line).rstrip() for line in lines]


def test_the_shared_parser_renders_exactly_what_rich_renders():
    console = Console(width=80, force_terminal=True, color_system="truecolor")
    ours = render_strips(console, markdown(SAMPLE), 80, Style())
    rich = render_strips(
        console, RichMarkdown(SAMPLE, code_theme="ansi_dark", hyperlinks=False), 80, Style()
    )
    assert ours == rich  # same text and same styles, segment for segment
    assert any("struck" in line for line in text_of(ours))


def test_blocks_render_the_same_lines_however_the_text_was_split():
    console = Console(width=60, force_terminal=True, color_system="truecolor")
    parts = ["Intro paragraph.\n\n", "```python\nx = 1\n```\n\n", "- a\n- b\n\n", "The end.\n"]
    whole = MarkdownBlocks(["".join(parts)]).lines(console, 60, Style())
    split = MarkdownBlocks(parts).lines(console, 60, Style())
    assert text_of(split) == text_of(whole)


def test_code_keeps_its_language_and_unknown_languages_are_plain_text():
    console = Console(width=40, force_terminal=True, color_system="truecolor")
    assert lexer("python") is lexer("python")  # looked up once
    assert lexer("no-such-language") == "text"
    lines = render_block(console, "```no-such-language\nplain <text>\n```\n", 40, Style())
    assert "plain <text>" in "\n".join(text_of(lines))


async def test_reasoning_wrapped_as_it_streams_matches_wrapping_it_whole():
    """Finished paragraphs are wrapped once and kept; the lines must be the ones wrapping the
    whole text at once gives, however the text arrived (CJK, long words, blank lines)."""
    from textual.app import App, ComposeResult

    from mimo_tui.ui.widgets.reasoning import ReasoningText

    text = (
        "First thoughts about the question, long enough to wrap over several lines here.\n"
        "\n"
        "用户想知道答案。我需要仔细想一想这个问题的各个方面，然后给出一个清楚的回答。\n"
        "averyveryverylongwordthatcannotwrapanywhereatallbecauseithasnospaces and more\n"
        "Last paragraph, still being written"
    )

    class Host(App):
        def compose(self) -> ComposeResult:
            yield ReasoningText()

    app = Host()
    async with app.run_test(size=(40, 30)) as pilot:
        streamed = app.query_one(ReasoningText)
        await pilot.pause()
        width, style = streamed.content_region.width, streamed.rich_style
        for end in [*range(0, len(text), 7), len(text)]:
            streamed.show(text[:end])
            part = text[:end].removesuffix("\n")  # a trailing newline opens no line yet
            whole = render_strips(app.console, Text(part, style=style), width, style)
            assert streamed.build_lines(width) == (whole if part else []), end
        assert len(streamed.build_lines(width)) > text.count("\n") + 2  # it did wrap
