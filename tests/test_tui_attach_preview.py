"""The preview of audio and of an image format without an inline picture: metadata and the
command that opens the stored file with the system viewer."""

from __future__ import annotations

from dataclasses import replace

from mimo_tui import attachments
from mimo_tui.model import Message
from mimo_tui.ui.widgets.attachment_view import AttachmentLine, AttachmentPreview
from tests.media_helpers import wav
from tests.tui_helpers import make_app, screen_lines, wait_until


async def test_an_audio_attachment_previews_as_metadata_and_an_open_command(settings, paths):
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    sound, data = attachments.from_bytes(wav(), "voice note.wav")
    runtime.store.blobs.put(sound.sha256, data)
    async with app.run_test(size=(120, 40)) as pilot:
        session_id = app.screen.session_id
        runtime.store.add_message(
            session_id, Message(role="user", content="listen", attachments=(sound,))
        )
        await app.screen.load_session(session_id)
        line = app.screen.query_one(AttachmentLine)
        assert "voice note.wav · audio/wav · 1.6 KB" in str(line.render())
        await pilot.pause()
        assert await pilot.click(AttachmentLine), "\n".join(screen_lines(app))
        await wait_until(pilot, lambda: isinstance(app.screen, AttachmentPreview))
        how = str(app.screen.query_one("#preview-open").render())
        assert how.endswith(sound.sha256) and "open " in how
        assert "▀" not in "\n".join(screen_lines(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachmentPreview))
    runtime.close()
