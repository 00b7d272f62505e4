"""Attachments with the keyboard, against the fake over real HTTP: Up/Down step onto an
attachment line and Enter opens its preview; `e` (edit and resend) keeps the message's
attachments, so the fork's request carries the same bytes."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from textual.widgets import TextArea

from mimo_tui import attachments
from mimo_tui.model import Message
from mimo_tui.ui.widgets.attachment_view import AttachmentLine, AttachmentPreview
from mimo_tui.ui.widgets.dialogs import EditText
from mimo_tui.ui.widgets.message import UserMessage
from tests.media_helpers import png, wav
from tests.tui_helpers import make_app, wait_until

SIZE = (120, 40)


def seed(runtime, session_id: str) -> tuple[bytes, bytes]:
    """A question with an image and a sound, and an answer under it."""
    image, sound = png(24, 12), wav()
    photo, data = attachments.from_bytes(image, "photo.png")
    voice, audio = attachments.from_bytes(sound, "voice.wav")
    runtime.store.blobs.put(photo.sha256, data)
    runtime.store.blobs.put(voice.sha256, audio)
    store = runtime.store
    store.add_message(
        session_id, Message(role="user", content="what is this?", attachments=(photo, voice))
    )
    store.add_message(session_id, Message(role="assistant", content="A red square.", model="m"))
    return image, sound


async def test_up_and_down_step_onto_attachment_lines_and_enter_opens_the_preview(settings, paths):
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=SIZE) as pilot:
        seed(runtime, app.screen.session_id)
        await app.screen.load_session(app.screen.session_id)
        await pilot.pause()
        app.screen.query_one(UserMessage).focus()
        await pilot.press("down")
        await wait_until(pilot, lambda: isinstance(app.focused, AttachmentLine))
        assert app.focused.attachment.name == "photo.png"
        await pilot.press("down")
        await wait_until(pilot, lambda: app.focused.attachment.name == "voice.wav")
        await pilot.press("down")  # past the lines: the answer
        await wait_until(pilot, lambda: not isinstance(app.focused, AttachmentLine))
        await pilot.press("up")
        await wait_until(pilot, lambda: isinstance(app.focused, AttachmentLine))
        assert app.focused.attachment.name == "voice.wav"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AttachmentPreview))
        assert app.screen.attachment.name == "voice.wav"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachmentPreview))
        await pilot.press("up", "up")
        await wait_until(pilot, lambda: isinstance(app.focused, UserMessage))
    runtime.close()


async def test_edit_and_resend_keeps_the_messages_attachments(settings, paths, fake):
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=SIZE) as pilot:
        original = app.screen.session_id
        image, sound = seed(runtime, original)
        await app.screen.load_session(original)
        await pilot.pause()
        app.screen.query_one(UserMessage).focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditText))
        app.screen.query_one(TextArea).text = "and what colour is it?"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(fake.chat_requests()) and not app.screen.busy)
        assert app.screen.session_id == original  # the edit is a branch of the same session
        body = fake.chat_requests()[-1].body
        parts = body["messages"][-1]["content"]
        assert [p["type"] for p in parts] == ["image_url", "input_audio", "text"]
        assert parts[-1]["text"] == "and what colour is it?"
        # The fake says what arrived: the same bytes as the original question's.
        answer = runtime.store.messages(app.screen.session_id)[-1].content
        for data in (image, sound):
            assert f"bytes={len(data)} sha256={hashlib.sha256(data).hexdigest()}" in answer
        lines = [line.attachment.name for line in app.screen.query(AttachmentLine)]
        assert lines == ["photo.png", "voice.wav"]  # shown under the new question too
    runtime.close()
