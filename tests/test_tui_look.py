"""Look and feel: themes, help, rebinding, arrow keys between messages, settings, palette."""

from __future__ import annotations

import tomllib
from dataclasses import replace

from textual.widgets import Input, Switch

from mimo_tui.config import load_settings
from mimo_tui.config_write import save_config
from mimo_tui.fake.scenarios import scenario
from mimo_tui.ui.widgets.help import HelpScreen
from mimo_tui.ui.widgets.message import UserMessage
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.search import SearchScreen
from mimo_tui.ui.widgets.settings import SettingsScreen
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.tui_helpers import make_app, screen_lines, send, wait_until

SIZE = (110, 36)
VARIABLES = (
    "reasoning-foreground",
    "reasoning-border",
    "status-background",
    "status-foreground",
    "tool-border",
    "tool-running",
    "tool-done",
    "tool-failed",
    "tool-denied",
    "error-foreground",
)


def test_bundled_themes_define_every_app_variable():
    from mimo_tui.ui.themes import load_themes

    themes, problems = load_themes()
    assert problems == []
    by_name = {t.name: t for t in themes}
    assert {"mimo-dark", "mimo-light", "mimo-high-contrast"} <= set(by_name)
    assert by_name["mimo-dark"].primary.upper() == "#FF6900"
    assert by_name["mimo-light"].dark is False
    for theme in by_name.values():
        assert set(VARIABLES) <= set(theme.variables), theme.name
        theme.to_color_system().generate()  # its colours are valid: start-up does not check


async def test_a_bad_user_theme_is_named_and_the_app_runs(settings, paths):
    paths.themes_dir.mkdir(parents=True)
    (paths.themes_dir / "broken.toml").write_text('name = "x"\nprimary = "not-a-colour"\n')
    (paths.themes_dir / "typo.toml").write_text('name = "y"\nprimry = "#fff"\n')
    (paths.themes_dir / "mine.toml").write_text('name = "mine"\nprimary = "#00AAFF"\n')
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("broken.toml" in m for m in messages)
        assert any("typo.toml" in m and "primry" in m for m in messages)
        assert "mine" in app.available_themes
        assert isinstance(app.focused, PromptInput)  # usable
    runtime.close()


async def test_a_theme_switch_is_remembered_in_config_toml(settings, paths):
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("# my settings\ntemperature = 0.7\n")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "mimo-light"
        await pilot.pause()
    runtime.close()
    text = paths.config_file.read_text()
    assert "# my settings" in text and "temperature = 0.7" in text
    assert tomllib.loads(text)["theme"] == "mimo-light"
    assert load_settings(paths, env={}).theme == "mimo-light"  # the next run starts with it


def _theme_state(app) -> tuple:
    """What a theme decides on screen: classes, CSS variables, colours, ANSI mapping."""
    from rich.segment import Segment
    from rich.style import Style
    from textual.color import Color
    from textual.filter import ANSIToTruecolor

    [ansi] = [f for f in app.get_line_filters() if isinstance(f, ANSIToTruecolor)]
    [red] = ansi.apply([Segment("x", Style(color="red"))], Color(255, 255, 255))
    prompt = app.screen.query_one(PromptInput)
    return (
        app.theme,
        sorted(c for c in app.classes if c.startswith("-")),
        app.get_css_variables(),
        app.screen.styles.background,
        prompt.styles.color,
        red.style.color.triplet,
    )


async def test_the_first_theme_is_applied_as_a_switch_to_it_would(settings, paths):
    """Start-up sets its theme without Textual's watcher (which re-parses all CSS): the
    result must be what switching to that theme in a running app gives."""
    first, runtime = make_app(replace(settings, theme="mimo-light"), paths)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.pause()
        started = _theme_state(first)
    runtime.close()
    switched, runtime = make_app(replace(settings, theme="mimo-dark"), paths)
    async with switched.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dark = _theme_state(switched)
        switched.theme = "mimo-light"
        await pilot.pause()
        assert _theme_state(switched) == started
    runtime.close()
    assert "-light-mode" in started[1] and "-theme-mimo-light" in started[1]
    assert started[3] != dark[3] and started[5] != dark[5]  # the test can tell themes apart


async def test_theme_flag_is_remembered(settings, paths):
    app, runtime = make_app(
        replace(settings, theme="mimo-high-contrast", explicit=frozenset({"theme"})), paths
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "mimo-high-contrast"
    runtime.close()
    assert tomllib.loads(paths.config_file.read_text())["theme"] == "mimo-high-contrast"


async def test_help_at_80_columns_reads_in_one_line_a_key_and_lists_each_once(settings, paths):
    """F1 at 80x24: what a key does gets most of the width (the places' names no longer
    widen the key column), `c Copy` of a focused message is listed once, and the command
    palette is among the keys that work everywhere."""
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        groups = dict(app.screen.rows())
        focused = [(str(k), str(d)) for k, d, _ in groups["A focused message"]]
        assert focused.count(("c", "Copy")) == 1
        assert ("^p", "Every action, by name") in [
            (str(k), str(d)) for k, d, _ in groups["Everywhere"]
        ]
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Every action, by name" in text  # on one line
    runtime.close()


async def test_help_lists_every_binding_with_the_users_keys(settings, paths):
    app, runtime = make_app(replace(settings, keymap={"chat.search": "f11"}), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")  # in the empty input: help, not a "?"
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        cells = [str(c) for _, place in app.screen.rows() for row in place for c in row]
        for binding_id in ("chat.search", "chat.inspector", "chat.settings", "message.previous"):
            assert binding_id in cells
        assert "f11" in cells and "^f" not in cells  # the rebound key, not the default
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f11")  # the rebinding works, not just the help
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press("escape")
        prompt = app.screen.query_one(PromptInput)
        prompt.text = "why"
        prompt.focus()
        await pilot.press("question_mark")  # in a message it is just a character
        await pilot.pause()
        assert prompt.text == "?why" and not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
    runtime.close()


async def test_arrow_keys_step_through_messages_and_escape_backs_out(settings, paths, fake):
    fake.queue("text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        for text in ("one", "two"):
            await send(pilot, text)
            await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("up")  # first line of the input: into the conversation
        assert isinstance(app.focused, StoredReply)
        await pilot.press("up")
        assert isinstance(app.focused, UserMessage) and app.focused.message.content == "two"
        await pilot.press("up", "up")
        assert isinstance(app.focused, UserMessage) and app.focused.message.content == "one"
        await pilot.press("up")  # the top: stays
        assert app.focused.message.content == "one"
        await pilot.press("down")
        assert isinstance(app.focused, StoredReply)
        await pilot.press("escape")
        assert isinstance(app.focused, PromptInput)
        await pilot.press("up", "down", "down")  # down past the last message: the input
        assert isinstance(app.focused, PromptInput)
    runtime.close()


async def test_settings_validate_save_to_config_and_apply(settings, paths, fake):
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text('# keep me\nmodel = "mimo-v2.5-pro"\n')
    fake.queue("text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        screen = app.screen
        await wait_until(
            pilot, lambda: "models from the API" in str(screen.query_one("#models-hint").render())
        )
        assert screen.query_one("#thinking-note").display  # thinking on: the warning shows
        screen.query_one("#temperature", Input).value = "2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)  # refused, still open
        error = str(screen.query_one("#errors").render())
        assert "temperature" in error and "0 and 1.5" in error
        screen.query_one("#temperature", Input).value = "0.3"
        screen.query_one("#thinking", Switch).value = False
        await pilot.pause()
        assert not screen.query_one("#thinking-note").display
        screen.query_one("#model", Input).value = "mimo-v2-flash"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
    runtime.close()
    saved = tomllib.loads(paths.config_file.read_text())
    assert paths.config_file.read_text().startswith("# keep me")
    assert saved["temperature"] == 0.3 and saved["thinking"] is False
    assert saved["model"] == "mimo-v2-flash"
    body = fake.chat_requests()[-1].body
    assert body["model"] == "mimo-v2-flash" and body["thinking"] == {"type": "disabled"}
    assert body["temperature"] == 0.3


async def test_thinking_toggle_and_reasoning_all_and_copy_code(settings, paths, fake):
    fake.queue(
        scenario("thinking_text", content="Here:\n\n```python\ndef f():\n    return 1\n```\n"),
        "text",
    )
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "show code")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+b")
        assert "def " in app.clipboard and "```" not in app.clipboard
        await pilot.press("ctrl+o")
        assert all(r.reasoning_open for r in app.screen.query(StoredReply) if r.has_reasoning)
        await pilot.press("ctrl+o")
        assert not any(r.reasoning_open for r in app.screen.query(StoredReply))
        await pilot.press("f6")
        await send(pilot, "again")
        await app.workers.wait_for_complete()
    runtime.close()
    assert fake.chat_requests()[-1].body["thinking"] == {"type": "disabled"}


async def test_the_palette_offers_every_action(settings, paths):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
    runtime.close()
    for wanted in (
        "New session",
        "Sessions",
        "Search sessions",
        "Export session as Markdown",
        "Toggle reasoning",
        "Toggle all reasoning",
        "Toggle inspector",
        "Copy last answer",
        "Copy code block",
        "Regenerate",
        "Edit last message",
        "Change model",
        "Toggle thinking",
        "Theme",
        "Settings",
        "Help",
    ):
        assert wanted in titles, wanted


def test_save_config_keeps_comments_and_tables(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# top\nmodel = "a"  \n\n[keys]\n"chat.search" = "ctrl+k"\n')
    save_config(path, {"model": "b", "temperature": 0.5})
    save_config(path, {"chat.inspector": "f9"}, table="keys")
    save_config(path, {"lang": 'zh"quoted\\'})
    text = path.read_text()
    data = tomllib.loads(text)
    assert text.startswith("# top\n")
    assert data["model"] == "b" and data["temperature"] == 0.5 and data["lang"] == 'zh"quoted\\'
    assert data["keys"] == {"chat.search": "ctrl+k", "chat.inspector": "f9"}
    save_config(path, {"temperature": None})
    assert "temperature" not in tomllib.loads(path.read_text())


async def test_long_code_lines_scroll_sideways_instead_of_wrapping(settings, paths, fake):
    long_line = "values = [" + ", ".join(str(n) for n in range(80)) + "]"
    fake.queue(scenario("text", content=f"Code:\n\n```python\n{long_line}\nprint(values)\n```\n"))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "code")
        await app.workers.wait_for_complete()
        await pilot.pause()
        reply = app.screen.query_one(StoredReply)
        rows = [reply.render_line(y).text for y in range(reply.size.height)]
        code_rows = [r for r in rows if "values = [" in r]
        assert len(code_rows) == 1  # one line, not wrapped onto the next
        assert code_rows[0].rstrip().endswith("›")  # marked: it goes on to the right
        assert not any(r.lstrip().startswith("55, 56") for r in rows)
        assert "scroll wide code" in rows[-1]
        reply.focus()
        for _ in range(40):
            await pilot.press("right")
        await pilot.pause()
        moved = next(
            reply.render_line(y).text
            for y in range(reply.size.height)
            if "79]" in reply.render_line(y).text
        )
        assert moved.startswith("‹") and "values = [" not in moved
        assert long_line in reply.answer_text  # copying still gives the whole line
    runtime.close()


async def test_the_footer_shows_the_keys_of_what_has_focus(settings, paths, fake):
    """The bottom line lists the keys that work where the focus is, and follows it."""
    fake.queue(scenario("text", content="An answer.", delay_s=0.05))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        footer = screen_lines(app)[-1]
        assert footer.startswith("^j Newline ^r Reasoning f3 Inspect")  # the input's keys
        assert footer.rstrip().endswith("▏^p palette") and "esc " not in footer
        await send(pilot, "hello")
        await wait_until(pilot, lambda: "esc Stop" in screen_lines(app)[-1])  # streaming
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: "esc " not in screen_lines(app)[-1])
        await pilot.press("up")  # into the conversation: the message's keys, not the input's
        await pilot.pause()
        footer = screen_lines(app)[-1]
        assert "Newline" not in footer and "esc Back" in footer
    runtime.close()


async def test_clicking_a_key_in_the_footer_presses_it(settings, paths):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        footer = screen_lines(app)[-1]
        await pilot.click("Footer", offset=(footer.index("f4 Sessions") + 3, 0))
        await pilot.pause()
        assert app.screen.query_one("SessionList").has_class("-open")
        assert "n New" in screen_lines(app)[-1]  # the list has the focus and its keys show
        await pilot.hover("Footer", offset=(footer.index("^p palette") + 1, 0))
        await pilot.pause()
        assert app.screen.query_one("Footer").hover_column is not None
    runtime.close()


async def test_a_narrow_footer_leaves_out_whole_keys_and_keeps_the_palette(settings, paths):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(40, 20)):
        footer = screen_lines(app)[-1]
        assert len(footer) == 40 and footer.rstrip().endswith("▏^p palette")
        shown = footer.split("▏")[0].split()
        assert shown == ["^j", "Newline", "^r", "Reasoning"]  # "f3 Inspect" would not fit
    runtime.close()


def test_footer_keys_are_measured_in_terminal_cells():
    """A description in wide characters (a user's keymap, a translated label) takes two
    columns a character: the footer's layout and its clicks use that width."""
    from mimo_tui.ui.widgets.footer import FooterKey

    assert FooterKey("f9", "f9", "会话", True, "").width == len("f9 ") + 4
