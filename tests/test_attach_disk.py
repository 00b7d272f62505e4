"""A full disk while a message's attachments are stored rolls back cleanly: no orphan blob,
no half-saved message, a notice naming the files, and nothing sent to the fake."""

from __future__ import annotations

import errno
from dataclasses import replace

from mimo_tui import attachments
from mimo_tui.blobs import BlobStore
from mimo_tui.events import TurnFailed, TurnFinished
from mimo_tui.fake import FakeMimo
from mimo_tui.store import Store
from tests.conftest import collect, make_engine
from tests.media_helpers import png, wav

real_put = BlobStore.put  # the real write, put back once the disk has room again


def blob_files(store: Store) -> list[str]:
    root = store.blobs.root
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_enospc_on_the_second_blob_removes_the_first_and_saves_nothing(
    store: Store, settings, fake: FakeMimo, monkeypatch
):
    engine = make_engine(store, replace(settings, model="mimo-v2.5"))
    session = store.create_session("mimo-v2.5")
    photo = attachments.from_bytes(png(8, 8), "photo.png")
    voice = attachments.from_bytes(wav(), "voice.wav")

    def put(self, sha256, data):
        if sha256 == voice[0].sha256:  # the disk fills up on the second file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_put(self, sha256, data)

    monkeypatch.setattr(BlobStore, "put", put)
    events = await collect(engine.turn(session.id, "listen and look", [photo, voice]))
    (failed,) = events
    assert isinstance(failed, TurnFailed) and failed.kind == "disk_full"
    assert failed.error == (
        "The disk is full: photo.png, voice.wav could not be stored (No space left on "
        "device). Free some space; your message was not sent"
    )
    assert blob_files(store) == []  # the photo written first is gone again
    assert store.messages(session.id) == []
    assert fake.chat_requests() == []
    monkeypatch.setattr(BlobStore, "put", real_put)  # space again: the same turn goes through
    events = await collect(engine.turn(session.id, "listen and look", [photo, voice]))
    assert isinstance(events[-1], TurnFinished)
    assert blob_files(store) == sorted([photo[0].sha256, voice[0].sha256])


async def test_a_full_store_after_the_blobs_removes_only_the_new_ones(
    store: Store, settings, fake: FakeMimo
):
    engine = make_engine(store, replace(settings, model="mimo-v2.5"))
    session = store.create_session("mimo-v2.5")
    old = attachments.from_bytes(png(4, 4, (0, 0, 255)), "old.png")
    await collect(engine.turn(session.id, "first", [old]))
    sent = len(fake.chat_requests())
    new = attachments.from_bytes(png(6, 6), "new.png")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here on
    events = await collect(engine.turn(session.id, "again " * 2000, [old, new]))
    (failed,) = events
    assert isinstance(failed, TurnFailed) and failed.kind == "disk_full"
    assert failed.error.startswith("The disk is full") and "not sent" in failed.error
    # The earlier message's blob is still referenced and kept; the new one is removed.
    assert blob_files(store) == [old[0].sha256]
    assert [m.content for m in store.messages(session.id) if m.role == "user"] == ["first"]
    assert len(fake.chat_requests()) == sent


async def test_in_the_tui_the_unsaved_message_comes_back_with_its_chip(
    settings, paths, fake: FakeMimo, tmp_path, monkeypatch
):
    from mimo_tui.ui.widgets.attachment_bar import AttachmentBar
    from mimo_tui.ui.widgets.notices import Notice
    from mimo_tui.ui.widgets.prompt_input import PromptInput
    from tests.media_helpers import write
    from tests.tui_helpers import make_app, send, wait_until

    def full(self, sha256, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    photo = write(tmp_path, "photo.png", png(12, 12))
    app, runtime = make_app(replace(settings, model="mimo-v2.5"), paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.screen.attach_ref(str(photo)).wait()
        monkeypatch.setattr(BlobStore, "put", full)
        await send(pilot, "what is in it?")
        await wait_until(pilot, lambda: bool(app.screen.query(Notice)) and not app.screen.busy)
        notice = str(app.screen.query(Notice).last().render())
        assert "The disk is full: photo.png could not be stored" in notice
        assert "back in the input" in notice
        assert app.screen.query_one(PromptInput).text == "what is in it?"
        assert [c.attachment.name for c in app.screen.query_one(AttachmentBar).chips] == [
            "photo.png"
        ]
        assert runtime.store.messages(app.screen.session_id) == []
        assert fake.chat_requests() == []
        monkeypatch.setattr(BlobStore, "put", real_put)
        await pilot.press("enter")  # space again: the same message goes, with its file
        await wait_until(pilot, lambda: bool(fake.chat_requests()) and not app.screen.busy)
        assert fake.chat_requests()[-1].body["messages"][-1]["content"][0]["type"] == "image_url"
    runtime.close()


async def test_an_unexpected_error_before_the_message_is_saved_gives_it_back(
    settings, paths, fake: FakeMimo, monkeypatch
):
    """Any fault before the message is stored (not only a full disk) says so and puts the
    message back into the input: before, the input had been cleared and the text was gone."""
    from mimo_tui.store import Store
    from mimo_tui.ui.widgets.prompt_input import PromptInput
    from tests.tui_helpers import make_app, send, wait_until

    def broken(self, *args, **kwargs):
        raise RuntimeError("database is in an odd state")

    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        monkeypatch.setattr(Store, "add_message", broken)
        await send(pilot, "a long message I typed")
        await wait_until(pilot, lambda: bool(app._notifications) and not app.screen.busy)
        assert "database is in an odd state" in str(list(app._notifications)[-1].message)
        assert app.screen.query_one(PromptInput).text == "a long message I typed"
        assert fake.chat_requests() == []
    runtime.close()
