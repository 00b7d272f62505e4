"""Markdown drawn from cached lines: what a reply looks like does not depend on how its text
was split into blocks or on the shortcuts taken to render them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from mimo_tui.ui.widgets.lines import MarkdownBlocks, render_block, render_strips
from mimo_tui.ui.widgets.markdown_render import ModelMarkdown, lexer, markdown

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
    """The one shared parser gives what Rich's own parser would, with our elements."""

    class Fresh(RichMarkdown):
        elements = ModelMarkdown.elements

    console = Console(width=80, force_terminal=True, color_system="truecolor")
    ours = render_strips(console, markdown(SAMPLE), 80, Style())
    rich = render_strips(console, Fresh(SAMPLE, code_theme="ansi_dark"), 80, Style())
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
            lines = [list(Segment.simplify(line)) for line in streamed.build_lines(width)]
            assert lines == ([list(Segment.simplify(x)) for x in whole] if part else []), end
        assert len(streamed.build_lines(width)) > text.count("\n") + 2  # it did wrap


@settings(max_examples=500, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            ["a", "word", "longerword", "北京", "天气很好", "x" * 13, " ", "  ", "\n", "\t", "é"]
        ),
        max_size=60,
    ),
    width=st.integers(4, 30),
    cuts=st.lists(st.integers(0, 400), max_size=8),
)
def test_plain_wrapping_grown_in_pieces_gives_rich_lines(words, width, cuts):
    """The reasoning's own wrap (fast for plain text, grown from its last line) gives the
    lines Rich gives for the whole text, whatever the text and however it grew."""
    from mimo_tui.ui.widgets.reasoning import WrappedLines

    text = " ".join(words)
    style, base = Style(italic=True), Style(bold=True)
    console = Console(width=width, color_system=None)
    wrapped = WrappedLines()
    for end in [*sorted(c for c in cuts if c < len(text)), len(text)]:
        got = wrapped.lines(text[:end], width, base + style, pad=base)
        part = text[:end].removesuffix("\n")
        whole = render_strips(console, Text(part, style=style), width, base) if part else []
        assert [list(Segment.simplify(x)) for x in got] == [
            list(Segment.simplify(x)) for x in whole
        ], (text[:end], width)


async def test_an_open_stored_reasoning_draws_as_rich_would():
    """The open reasoning of a stored reply, wrapped by the reasoning's own wrapper, is the
    picture Rich drew of it: header, the text indented three cells, a blank line."""
    from rich.console import Group
    from rich.padding import Padding
    from textual.app import App, ComposeResult

    from mimo_tui.model import Message, Usage
    from mimo_tui.ui.widgets.stored_reply import StoredReply

    reasoning = "Short thoughts.\n\n" + "我需要想一想 these words wrap a few times over. " * 9
    message = Message("assistant", "The answer.", reasoning, usage=Usage(1, 2, 3))

    class Host(App):
        def compose(self) -> ComposeResult:
            yield StoredReply(message, reasoning_open=True)

    app = Host()
    async with app.run_test(size=(50, 40)) as pilot:
        await pilot.pause()
        reply = app.query_one(StoredReply)
        width, style = reply.content_region.width, reply.rich_style
        colour = reply._variable("reasoning-foreground")
        expected = render_strips(
            app.console,
            Group(
                Text(f"▍▼ {reply.reasoning_header}", style=colour),
                Padding(Text(reasoning, style=colour + Style(italic=True)), (0, 0, 0, 3)),
                Text(""),
            ),
            width,
            style,
        )
        got = reply.build_lines(width)[: len(expected)]
        assert [list(Segment.simplify(x)) for x in got] == [
            list(Segment.simplify(x)) for x in expected
        ]
        assert len(expected) > 8  # it wrapped
