"""Replies read like a document: code blocks framed, numbered and copyable one by one,
headings that are not links, tables with borders, quotes with a bar, task lists, live web
links only, math as Unicode (the TeX kept on copy), in every bundled theme."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.style import Style

from mimo_tui.fake.seed import RICH_ANSWER, seed_markdown_showcase
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp, approve_in_app
from mimo_tui.ui.themes import load_themes
from mimo_tui.ui.widgets.code_copy import CODE_META, copied_what, numbered_code_blocks
from mimo_tui.ui.widgets.lines import MarkdownBlocks, render_block
from mimo_tui.ui.widgets.md_palette import palette_from_theme
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.conftest import FROZEN
from tests.tui_helpers import screen_lines, wait_until

THEMES = {t.name: t for t in load_themes()[0]}


def text_of(lines) -> list[str]:
    return ["".join(segment.text for segment in line).rstrip() for line in lines]


def render(source: str, width: int = 60, theme: str = "mimo-dark"):
    from mimo_tui.ui.widgets.markdown_render import render_markdown_block

    console = Console(width=width, force_terminal=True, color_system="truecolor")
    palette = palette_from_theme(THEMES[theme])
    return render_markdown_block(console, source, width, Style(), palette=palette)


def test_a_code_block_is_framed_numbered_and_labelled_with_its_language():
    lines = render("Intro.\n\n```python\nx = 1\n```\n\n```\nplain\n```\n")
    text = text_of(lines)
    top = next(t for t in text if t.startswith("╭"))
    assert "1 · python" in top and "y1 copy" in top and top.endswith("╮")
    assert any(t.startswith("│ x = 1") and t.endswith("│") for t in text)
    assert any(t.startswith("╰") for t in text)
    assert any("2 · code" in t and "y2 copy" in t for t in text)  # no language: "code"
    label = next(s for line in lines for s in line if "1 · python" in s.text)
    assert label.style.meta[CODE_META] == 1  # a click on the label names the block
    assert label.style.bgcolor is not None  # on the code tint


def test_a_wide_code_block_keeps_its_lines_and_scrolls_as_one_piece():
    wide = "x = '" + "a" * 100 + "'"
    lines = render(f"```python\n{wide}\n```\n", width=40)
    widths = {sum(s.cell_length for s in line) for line in lines}
    assert widths == {len(wide) + 4}  # frame and code equally wide: they scroll together
    assert wide in "".join(text_of(lines))


@pytest.mark.parametrize("theme", ["mimo-dark", "mimo-light", "mimo-high-contrast"])
def test_headings_tables_quotes_and_inline_code_in_every_theme(theme):
    lines = render(RICH_ANSWER, width=80, theme=theme)
    text = text_of(lines)
    heading = next(s for line in lines for s in line if s.text == "Solving quadratics")
    assert heading.style.bold and not heading.style.underline  # weight, never link-like
    assert text[text.index("Solving quadratics") + 1].startswith("━")  # h1's rule
    assert any(t.startswith("╭") and "┬" in t for t in text)  # a table with a border
    assert any(t.startswith("├") and "┼" in t for t in text)  # ...and a header rule
    assert any(t.startswith("▎ When b² < 4ac") for t in text)  # quote bar, math as Unicode
    assert any(t.startswith(" ☑ derive") for t in text)  # task list
    assert any(t.startswith(" ☐ handle a = 0") for t in text)
    assert any("x = (-b ± √(b² - 4ac))/(2a)" in t for t in text)  # display math
    code = next(s for line in lines for s in line if s.text == "roots(1, -3, 2)")
    palette = palette_from_theme(THEMES[theme])
    assert code.style.color and code.style.bgcolor
    assert code.style.bgcolor.triplet.hex == palette.inline_code_background.lower()
    assert code.style.color.triplet.hex == palette.inline_code.lower()
    assert not code.style.bold


def test_an_ordered_list_keeps_the_period_after_each_number():
    text = text_of(render("1. Read the file\n2. Count the words, a line long enough to wrap\n", 30))
    assert text[0] == " 1. Read the file"
    assert text[1].startswith(" 2. Count the words")
    assert text[2].startswith("    ") and text[2].strip()  # wrapped under its own text
    ten = text_of(render("".join(f"{n}. item {n}\n" for n in range(1, 11)), 30))
    assert "  9. item 9" in ten and " 10. item 10" in ten  # the periods line up


def test_only_web_links_are_live_and_all_links_are_underlined():
    lines = render(
        "[web](https://example.com) [rel](docs/x.md) [mail](mailto:a@b.c) [js](javascript:x)"
    )
    segments = {s.text: s.style for line in lines for s in line}
    assert segments["web"].link == "https://example.com" and segments["web"].underline
    for name in ("rel", "mail"):
        assert not segments[name].link and segments[name].underline
    assert "[js](javascript:x)" in "".join(text_of(lines))  # never a link at all


def test_code_blocks_are_numbered_across_streamed_blocks_as_in_the_whole_reply():
    console = Console(width=60, force_terminal=True, color_system="truecolor")
    parts = ["```a\n1\n```\n\n", "Text.\n\n", "```b\n2\n```\n\n"]
    split = text_of(MarkdownBlocks(parts).lines(console, 60, Style()))
    assert any("2 · b" in t for t in split)
    tail = text_of(render_block(console, "```c\n3\n```\n", 60, Style(), first_code=3))
    assert any("3 · c" in t for t in tail)
    assert [b.number for b in numbered_code_blocks("".join(parts))] == [1, 2]


def test_code_blocks_close_as_markdown_closes_them():
    """A fence closes with its own character, at least as long: `y1` copies the block
    the reader sees, nested fences and all."""
    (outer,) = numbered_code_blocks("````md\n```py\nx = 1\n```\n````\n\nafter\n")
    assert (outer.language, outer.code) == ("md", "```py\nx = 1\n```")
    (longer,) = numbered_code_blocks("```\nx\n`````\n\nafter\n")
    assert longer.code == "x"


def test_the_toast_says_bytes_and_lines():
    block = numbered_code_blocks("```bash\necho é\nls\n```\n")[0]
    assert copied_what(block) == "code block 1 (bash): 10 bytes, 2 lines"


def _showcase_app(settings, paths, theme: str = "mimo-dark") -> MimoApp:
    from dataclasses import replace

    runtime = build_runtime(
        replace(settings, theme=theme), paths, clock=lambda: FROZEN, approver=approve_in_app
    )
    return MimoApp(runtime, seed_markdown_showcase(runtime.store))


async def test_y_and_a_number_arriving_together_still_copy_the_block(settings, paths):
    """`y2` in one burst (pasted, typed fast, sent by tmux): both keys are queued before
    either is handled, and the digit still names the block."""
    from textual import events

    app = _showcase_app(settings, paths)
    async with app.run_test(size=(110, 50), notifications=True) as pilot:
        await pilot.pause()
        app.screen.query_one(StoredReply).focus()
        await pilot.pause()
        app.post_message(events.Key("y", "y"))
        app.post_message(events.Key("2", "2"))
        await wait_until(pilot, lambda: app.clipboard.startswith("python -c"))
    assert app.clipboard == "python -c 'from quad import roots; print(roots(1, -3, 2))'"


async def test_y_then_a_number_copies_that_code_block(settings, paths):
    app = _showcase_app(settings, paths)
    async with app.run_test(size=(110, 50), notifications=True) as pilot:
        await pilot.pause()
        reply = app.screen.query_one(StoredReply)
        reply.focus()
        await pilot.press("y", "2")
        await pilot.pause()
        assert app.clipboard == "python -c 'from quad import roots; print(roots(1, -3, 2))'"
        notes = [str(n.message) for n in app._notifications]
        assert "Copied code block 2 (bash): 58 bytes, 1 line (OSC 52)." in notes
        await pilot.press("y", "1")
        assert app.clipboard.startswith("import math\n")
        assert "$" not in app.clipboard
        await pilot.press("c")  # the whole answer: the TeX as the model wrote it
        await pilot.pause()
        assert "$ax^2 + bx + c = 0$" in app.clipboard


async def test_a_click_on_a_code_blocks_label_copies_it(settings, paths):
    app = _showcase_app(settings, paths)
    async with app.run_test(size=(110, 60), notifications=True) as pilot:
        await pilot.pause()
        reply = app.screen.query_one(StoredReply)
        lines = text_of(reply.build_lines(reply.content_region.width))
        row = next(i for i, t in enumerate(lines) if "2 · bash" in t)
        column = lines[row].index("y2 copy") + 2
        reply.scroll_visible(animate=False)
        await pilot.pause()
        await wait_until(pilot, lambda: any("2 · bash" in line for line in screen_lines(app)))
        screen = screen_lines(app)
        y = next(i for i, t in enumerate(screen) if "2 · bash" in t)
        x = screen[y].index("y2 copy") + 2
        assert x and column
        assert await pilot.click(offset=(x, y))
        await pilot.pause()
        assert app.clipboard.startswith("python -c")
        assert any("Copied code block 2" in str(n.message) for n in app._notifications)


async def test_turns_are_separated_by_a_rule_in_the_themes_colour(settings, paths):
    from mimo_tui.fake.seed import seed_conversation
    from mimo_tui.ui.widgets.message import UserMessage

    runtime = build_runtime(settings, paths, clock=lambda: FROZEN, approver=approve_in_app)
    app = MimoApp(runtime, seed_conversation(runtime.store, tools=True))
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.pause()
        _, second = list(app.screen.query(UserMessage))
        kind, colour = second.styles.border_top
        assert kind == "solid"
        assert colour.hex6.upper() == THEMES["mimo-dark"].variables["turn-rule"].upper()
        screen = screen_lines(app)
        at = next(i for i, line in enumerate(screen) if "What time is it in Beijing?" in line)
        assert "───" in screen[at - 1]


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two `#RRGGBB` colours."""

    def luminance(colour: str) -> float:
        rgb = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["mimo-dark", "mimo-light", "mimo-high-contrast"])
def test_the_rule_between_turns_shows_in_every_theme(theme):
    """A quiet rule, but one a person sees on the light theme's cream as on the dark one."""
    variables = THEMES[theme].variables
    assert _contrast(variables["turn-rule"], THEMES[theme].background) >= 1.33


async def test_a_click_on_a_web_link_opens_it(settings, paths):
    app = _showcase_app(settings, paths)
    opened: list[str] = []
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(110, 64)) as pilot:
        await pilot.pause()
        screen = screen_lines(app)
        y = next(i for i, t in enumerate(screen) if "read more on Wikipedia" in t)
        x = screen[y].index("Wikipedia") + 3
        assert await pilot.click(offset=(x, y))
        await pilot.pause()
        assert opened == ["https://en.wikipedia.org/wiki/Quadratic_formula"]


def test_an_indented_code_block_is_framed_too_but_has_no_number():
    text = text_of(render("Before.\n\n    indented = True\n\nAfter.\n"))
    top = next(t for t in text if t.startswith("╭"))
    assert "code" in top and "copy" not in top
    assert any(t.startswith("│ indented = True") for t in text)


async def test_switching_the_theme_redraws_replies_in_its_palette(settings, paths):
    app = _showcase_app(settings, paths)
    async with app.run_test(size=(110, 64)) as pilot:
        await pilot.pause()
        reply = app.screen.query_one(StoredReply)

        def label_background() -> str:
            lines = reply.build_lines(reply.content_region.width)
            label = next(s for line in lines for s in line if "1 · python" in s.text)
            return label.style.bgcolor.triplet.hex

        assert label_background() == THEMES["mimo-dark"].variables["code-background"].lower()
        app.theme = "mimo-light"
        await pilot.pause()
        assert label_background() == THEMES["mimo-light"].variables["code-background"].lower()


def test_code_drawn_plain_takes_the_same_cells_as_in_colour():
    """Before the first frame code is drawn plain (no lexer built yet); coloured later, it
    must not move: same text in every cell, only the token colours differ."""
    from mimo_tui.ui.widgets.markdown_render import render_markdown_block

    source = "Intro.\n\n```python\ndef f(x: int) -> int:\n\treturn x * 2  # twice\n```\n"
    console = Console(width=60, force_terminal=True, color_system="truecolor")
    palette = palette_from_theme(THEMES["mimo-dark"])
    coloured = render_markdown_block(console, source, 60, Style(), palette=palette)
    plain_palette = palette._replace(highlight=False)
    plain = render_markdown_block(console, source, 60, Style(), palette=plain_palette)
    assert text_of(plain) == text_of(coloured)
    assert [len(line) and sum(s.cell_length for s in line) for line in plain] == [
        len(line) and sum(s.cell_length for s in line) for line in coloured
    ]

    def colours(lines):
        return {s.style.color for line in lines for s in line if "def" in s.text}

    assert len(colours(coloured) - colours(plain)) >= 1  # `def` is a keyword in colour only


async def test_the_first_frame_draws_code_plain_and_colours_it_right_after(settings, paths):
    """The app turns colour off for its first frame and on once that frame is drawn, so a
    reopened session's code is in colour by the time anyone can look."""
    from mimo_tui.ui.widgets import md_palette

    app = _showcase_app(settings, paths)
    seen: list[bool] = []
    colour_code = app._colour_code

    def spy() -> None:  # called once the first frame is drawn
        seen.append(md_palette.current_palette().highlight)
        colour_code()

    app._colour_code = spy  # type: ignore[method-assign]
    async with app.run_test(size=(110, 50)) as pilot:
        await pilot.pause()
        assert seen == [False]  # the first frame was drawn with code plain
        assert md_palette.current_palette().highlight
        keyword = "#ff7b72"  # github-dark's keywords (`import`), on screen
        assert keyword in app.export_screenshot()


async def test_an_app_that_ends_before_its_first_frame_leaves_code_in_colour(settings, paths):
    """Colour is off from the app's mount to its first frame; an app that ends in between
    (here: its Ready never colours) must not leave every later rendering plain."""
    from mimo_tui.ui.widgets import md_palette

    app = _showcase_app(settings, paths)
    app._colour_code = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(110, 50)) as pilot:
        await pilot.pause()
        assert not md_palette.current_palette().highlight
    assert md_palette.current_palette().highlight  # on_unmount turned it back on


def _nested_list(depth: int) -> str:
    return "\n".join("  " * i + f"- level {i}" for i in range(depth))


def test_text_nested_past_the_parsers_limit_is_shown_as_written_not_dropped():
    """markdown-it skips everything after its nesting limit: the lines after a 12-level
    list (and the list's deepest levels) never reached the screen."""
    source = f"BEFORE\n\n{_nested_list(12)}\nAFTER the list: important text\n\nLAST LINE"
    text = "\n".join(text_of(render(source, width=80)))
    assert "Nested too deeply to lay out; shown as written:" in text
    for part in ("BEFORE", "  - level 11", "AFTER the list: important text", "LAST LINE"):
        assert part in text
    shallow = "\n".join(text_of(render(f"{_nested_list(5)}\n\nLAST LINE", width=80)))
    assert "shown as written" not in shallow and "LAST LINE" in shallow
    assert "level 4" in shallow and "- level 4" not in shallow  # laid out as a list
