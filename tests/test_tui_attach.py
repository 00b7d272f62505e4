"""Attachments in the TUI, driven with Pilot against the fake over real HTTP: the picker, the
chips and their ×, pasted paths, `@path` + Tab, the model check with its offer to switch,
the attachment line and its preview."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from textual import events

from mimo_tui.ui.widgets.attachment_bar import AttachmentBar, AttachmentChip
from mimo_tui.ui.widgets.attachment_view import AttachmentLine, AttachmentPreview
from mimo_tui.ui.widgets.dialogs import Confirm
from mimo_tui.ui.widgets.file_picker import FilePicker, files_below, fuzzy_filter
from mimo_tui.ui.widgets.prompt_input import PromptInput
from tests.media_helpers import png, write
from tests.tui_helpers import make_app, screen_lines, send, wait_until

SIZE = (120, 40)


def chips(app) -> list[AttachmentChip]:
    return app.screen.query_one(AttachmentBar).chips


def test_the_fuzzy_filter_puts_substrings_first_then_letters_in_order():
    paths = ["docs/photo-old.png", "src/pics/holiday.png", "photo.png", "readme.md"]
    assert fuzzy_filter("photo", paths)[:2] == ["photo.png", "docs/photo-old.png"]
    assert fuzzy_filter("hlpng", paths)[0] == "src/pics/holiday.png"
    assert fuzzy_filter("zzz", paths) == []


async def test_ctrl_a_picks_a_file_into_a_chip_that_is_sent_and_shown(
    settings, paths, fake, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    image = png(40, 20)
    write(tmp_path, "photo.png", image)
    write(tmp_path, "other.txt", b"x")
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+a")
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        for ch in "phpng":
            await pilot.press(ch)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, FilePicker) and chips(app))
        assert "photo.png · image/png · " in "\n".join(screen_lines(app))
        await send(pilot, "describe")
        await wait_until(pilot, lambda: not app.screen.busy and bool(fake.chat_requests()))
        await wait_until(pilot, lambda: not app.screen.busy)
        body = fake.chat_requests()[-1].body
        assert body["messages"][-1]["content"][0]["type"] == "image_url"
        assert chips(app) == []
        line = app.screen.query_one(AttachmentLine)

        def at_the_top_shows_it() -> bool:  # the long answer pushed it up; on a loaded
            app.screen.conversation.scroll_home(animate=False)  # machine the reply may
            return "photo.png · image/png · " in "\n".join(screen_lines(app))  # still settle

        await wait_until(pilot, at_the_top_shows_it)
        assert "40×20" in str(line.render())
        line.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AttachmentPreview))
        text = "\n".join(screen_lines(app))
        assert "▀" * 20 in text  # the picture, in block characters
        how = str(app.screen.query_one("#preview-open").render())
        sha = hashlib.sha256(image).hexdigest()
        assert "open " in how and how.endswith(sha)  # the command names the stored blob
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachmentPreview))
    runtime.close()


async def test_clicking_the_chips_x_removes_it(settings, paths, fake, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a.png", png())
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.attach_ref(str(tmp_path / "a.png"))
        await wait_until(pilot, lambda: bool(chips(app)))
        await pilot.pause()
        assert await pilot.click("AttachmentChip Button")
        await wait_until(pilot, lambda: not chips(app))
        await send(pilot, "no attachment now")
        await wait_until(pilot, lambda: bool(fake.chat_requests()) and not app.screen.busy)
        assert fake.chat_requests()[-1].body["messages"][-1]["content"] == "no attachment now"
    runtime.close()


async def test_pasting_a_file_path_attaches_it_and_inserts_nothing(
    settings, paths, fake, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "drop me.png", png())
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        app.post_message(events.Paste(f"'{path}'"))
        await wait_until(pilot, lambda: bool(chips(app)))
        assert chips(app)[0].attachment.name == "drop me.png" and prompt.text == ""
        app.post_message(events.Paste("just text"))
        await wait_until(pilot, lambda: prompt.text == "just text")
    runtime.close()


async def test_pasting_a_path_that_cannot_be_attached_keeps_it_as_text(
    settings, paths, fake, tmp_path, monkeypatch
):
    """`/etc/hosts` or notes.txt pasted mid-sentence is text: it goes into the input (it used
    to be taken for a dropped file, refused, and lost). A PNG saved without an extension is
    still a dropped file (its bytes say so)."""
    monkeypatch.chdir(tmp_path)
    notes = write(tmp_path, "notes.txt", b"some notes")
    shot = write(tmp_path, "screenshot", png())
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        prompt.insert("explain the file ")
        app.post_message(events.Paste(str(notes)))
        await wait_until(pilot, lambda: prompt.text == f"explain the file {notes}")
        assert chips(app) == []
        app.post_message(events.Paste(str(shot)))
        await wait_until(pilot, lambda: bool(chips(app)))
        assert chips(app)[0].attachment.name == "screenshot"
        assert prompt.text == f"explain the file {notes}"
    runtime.close()


def test_the_picker_lists_only_files_that_can_be_attached(tmp_path):
    for name in ("photo.PNG", "voice.wav", "clip.mp4", "notes.txt", "page.html", "data.json"):
        write(tmp_path, name, b"x")
    assert sorted(files_below(tmp_path)) == ["clip.mp4", "photo.PNG", "voice.wav"]


async def test_at_word_and_tab_open_the_picker_filtered_and_the_word_becomes_a_chip(
    settings, paths, fake, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shots").mkdir()
    write(tmp_path / "shots", "bug.png", png())
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        for ch in "look @bug":
            await pilot.press("space" if ch == " " else ch)
        await pilot.press("tab")
        await wait_until(pilot, lambda: isinstance(app.screen, FilePicker))
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(chips(app)))
        assert chips(app)[0].attachment.name == "bug.png" and prompt.text == "look "
    runtime.close()


async def test_a_text_only_model_is_named_before_sending_and_the_switch_is_offered(
    settings, paths, fake, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a.png", png())
    app, runtime = make_app(settings, paths)  # mimo-v2.5-pro: text only
    async with app.run_test(size=SIZE) as pilot:
        app.screen.attach_ref(str(tmp_path / "a.png"))
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        # The modal is pushed before it is drawn: wait for its text, not just the screen.
        await wait_until(pilot, lambda: "Switch this" in "\n".join(screen_lines(app)))
        text = "\n".join(screen_lines(app))
        assert "mimo-v2.5-pro does not accept image input" in text and "Switch this" in text
        await pilot.press("escape")  # no: the chip stays, and sending says so again
        await wait_until(pilot, lambda: not isinstance(app.screen, Confirm))
        await send(pilot, "describe")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        assert fake.chat_requests() == []
        await pilot.click("#yes")
        await wait_until(pilot, lambda: runtime.settings.model != "mimo-v2.5-pro")
        assert runtime.store.get_session(app.screen.session_id).settings["model"] == (
            runtime.settings.model
        )
        await wait_until(pilot, lambda: app.screen.query_one(PromptInput).text == "describe")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(fake.chat_requests()) and not app.screen.busy)
        assert fake.chat_requests()[-1].body["messages"][-1]["content"][0]["type"] == "image_url"
    runtime.close()
