"""Long prompts in the user's editor: F9 (or the palette) in the chat, `ask -e` on the CLI,
and the in-app editor where the terminal cannot be handed over. The editor here is a
script that edits the file it is given, as a person in vim would."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mimo_tui.external_editor import EditorError, editor_argv
from mimo_tui.ui.editor import PromptEditor
from tests.conftest import PYTHON, cli_env
from tests.pty_helpers import PtyApp
from tests.tui_helpers import make_app, wait_until

SIZE = (100, 30)
F9 = b"\x1b[20~"


def scripted_editor(tmp_path: Path, status: int = 0) -> str:
    """An $EDITOR that appends ` + from the editor` to the file (and a newline, as editors
    do), then exits with `status`."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[-1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "open(path, 'w', encoding='utf-8').write(text + ' + from the editor\\n')\n"
        f"sys.exit({status})\n",
        encoding="utf-8",
    )
    return f"{PYTHON} {script}"


def test_visual_wins_over_editor_and_may_carry_flags():
    assert editor_argv({"VISUAL": "code -w", "EDITOR": "vi"}) == ["code", "-w"]
    assert editor_argv({"EDITOR": "vi"}) == ["vi"]
    assert editor_argv({"EDITOR": "  "}) is None
    try:
        editor_argv({"EDITOR": "vi 'unclosed"})
    except EditorError as exc:
        assert "$EDITOR" in str(exc)
    else:
        raise AssertionError("a broken $EDITOR was accepted")


def test_ask_e_sends_what_was_written_in_the_editor(tmp_path, fake):
    fake.queue("text")
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", "-e", "draft"],
        env=cli_env(tmp_path, fake, EDITOR=scripted_editor(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    sent = fake.chat_requests()[0].body["messages"][-1]["content"]
    assert sent == "draft + from the editor"


def test_ask_e_sends_nothing_when_the_editor_fails(tmp_path, fake):
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", "-e", "draft"],
        env=cli_env(tmp_path, fake, EDITOR=scripted_editor(tmp_path, status=3)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "exited with status 3; nothing sent" in result.stderr
    assert fake.chat_requests() == []


def test_f9_edits_the_message_box_in_editor_through_the_real_terminal(tmp_path, fake):
    fake.queue("text")
    env = cli_env(tmp_path, fake, EDITOR=scripted_editor(tmp_path))
    with PtyApp([], env, cols=100, rows=30) as app:
        app.wait_for_text("Help")
        app.write("draft")
        app.wait_for_text("draft")
        app.write(F9)  # the app gives the terminal to the editor and takes it back
        app.wait_for_text("draft + from the editor")
        app.press("enter")
        app.wait_for_text("Hello")
    sent = fake.chat_requests()[0].body["messages"][-1]["content"]
    assert sent == "draft + from the editor"


def test_f9_with_an_editor_that_fails_gives_the_app_back_with_the_draft(tmp_path, fake):
    """An editor that exits 1 (vim's :cq) or that is not installed: the app takes the
    terminal back, says the message is unchanged, keeps the draft, and still quits."""
    for editor in (scripted_editor(tmp_path, status=1), "no-such-editor-here"):
        env = cli_env(tmp_path, fake, EDITOR=editor)
        with PtyApp([], env, cols=100, rows=30) as app:
            app.wait_for_text("Help")
            app.write("my draft")
            app.wait_for_text("my draft")
            app.write(F9)
            screen = app.wait_for_text("the message is unchanged", timeout=30)
            assert "my draft" in screen
            app.press("ctrl+q")
            assert app.wait_exit() == 0


async def test_without_an_editor_f9_opens_the_in_app_editor(settings, paths, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        box = app.screen.query_one("#prompt")
        box.text = "a long"
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptEditor))
        assert "Set $VISUAL or $EDITOR" in str(app.screen.query(".hint").first().render())
        area = app.screen.query_one("#editor-text")
        assert area.text == "a long"
        area.insert(" prompt\nover lines")
        await pilot.click("#editor-done")
        await wait_until(pilot, lambda: not isinstance(app.screen, PromptEditor))
        assert box.text == "a long prompt\nover lines" and app.focused is box
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptEditor))
        app.screen.query_one("#editor-text").text = "thrown away"
        await pilot.click("#editor-cancel")
        await wait_until(pilot, lambda: not isinstance(app.screen, PromptEditor))
        assert box.text == "a long prompt\nover lines"
    runtime.close()


async def test_where_the_terminal_cannot_be_handed_over_the_app_edits_itself(
    settings, paths, tmp_path, monkeypatch
):
    """Tests' headless driver, like the browser page of `serve`, cannot suspend."""
    monkeypatch.setenv("EDITOR", scripted_editor(tmp_path))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Edit in $EDITOR" in titles
        box = app.screen.query_one("#prompt")
        box.text = "hi"
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptEditor))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, PromptEditor))
        assert box.text == "hi"
    runtime.close()
