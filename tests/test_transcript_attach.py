"""Attachments in transcripts: JSON export → import is lossless (bytes included), HTML shows
images inline and stays self-contained, Markdown writes the files beside it and links them."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from dataclasses import replace

import pytest

from mimo_tui import attachments
from mimo_tui.store import Store
from mimo_tui.transcript_import import import_transcript
from mimo_tui.transcripts import TranscriptError, export, write_export
from tests.conftest import collect, make_engine
from tests.media_helpers import png


@pytest.fixture
async def session_with_image(store: Store, settings, fake):
    engine = make_engine(store, replace(settings, model="mimo-v2.5"))
    session = store.create_session("mimo-v2.5")
    image = attachments.from_bytes(png(12, 9), "car <b>.png")
    await collect(engine.turn(session.id, "what car?", [image]))
    return store.get_session(session.id), image


async def test_json_export_then_import_round_trips_the_attachment(session_with_image, paths):
    session, (attachment, data) = session_with_image
    store = Store(paths.store_file)
    text = export(store, session, "json")
    doc = json.loads(text)
    assert doc["attachments"] == {attachment.sha256: base64.b64encode(data).decode()}
    assert doc["messages"][0]["attachments"][0]["name"] == "car <b>.png"
    sent = doc["openai_messages"][1]["content"][0]["image_url"]["url"]
    assert sent == "data:image/png;base64," + base64.b64encode(data).decode()

    other = Store(paths.data_dir / "other.sqlite3")  # a store that has never seen the bytes
    imported = import_transcript(other, text, "chat.json").session
    (user, reply) = other.messages(imported.id)
    assert user.attachments == (attachment,)
    assert other.blobs.get(attachment.sha256) == data
    assert reply.content == store.messages(session.id)[1].content
    # and it exports the same again
    assert (
        json.loads(export(other, imported, "json"))["messages"][0]["attachments"]
        == (doc["messages"][0]["attachments"])
    )
    other.close()
    store.close()


async def test_an_import_whose_bytes_do_not_match_their_sha256_writes_nothing(
    session_with_image, paths
):
    session, (attachment, _) = session_with_image
    store = Store(paths.store_file)
    doc = json.loads(export(store, session, "json"))
    doc["attachments"][attachment.sha256] = base64.b64encode(b"other bytes").decode()
    other = Store(paths.data_dir / "other.sqlite3")
    with pytest.raises(TranscriptError, match="do not match their sha256"):
        import_transcript(other, json.dumps(doc), "chat.json")
    del doc["attachments"]
    with pytest.raises(TranscriptError, match=r"attachment car <b>\.png: its bytes are not in"):
        import_transcript(other, json.dumps(doc), "chat.json")
    assert other.list_sessions() == []
    other.close()
    store.close()


async def test_html_embeds_the_image_inline_and_stays_self_contained(session_with_image, paths):
    session, (_, data) = session_with_image
    store = Store(paths.store_file)
    page = export(store, session, "html")
    assert f"<img src='data:image/png;base64,{base64.b64encode(data).decode()}'" in page
    assert "car &lt;b&gt;.png" in page and "<b>.png" not in page
    assert "img-src data:" in page and "http" not in page.split("<body>")[1].split("mimo-v2.5")[0]
    store.close()


async def test_markdown_writes_the_files_beside_it_and_links_them(
    session_with_image, paths, tmp_path
):
    session, (attachment, data) = session_with_image
    store = Store(paths.store_file)
    out = tmp_path / "chat.md"
    write_export(store, session, "md", out, None)
    folder = tmp_path / "chat.files"
    (copy,) = list(folder.iterdir())
    assert copy.read_bytes() == data and hashlib.sha256(copy.read_bytes()).hexdigest() == (
        attachment.sha256
    )
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    text = out.read_text()
    assert f"![car &lt;b>.png · image/png · 76 B · 12×9](chat.files/{copy.name})" in text
    assert "<b>" not in text
    store.close()


async def test_a_name_with_a_newline_is_one_line_in_the_markdown_and_html(store, tmp_path):
    """The link text and the caption are one line each (a newline in a Markdown link's text
    breaks it): the newline is shown as ␊, as everywhere a file name is shown."""
    from mimo_tui.model import Message

    session = store.create_session("mimo-v2.5")
    image, data = attachments.from_bytes(png(4, 3), "nl\nNEWLINE.png")
    store.blobs.put(image.sha256, data)
    store.add_message(session.id, Message("user", "look", attachments=(image,)))
    session = store.get_session(session.id)
    out = tmp_path / "chat.md"
    write_export(store, session, "md", out, None)
    (copy,) = (tmp_path / "chat.files").iterdir()
    assert copy.name.endswith("-nl_NEWLINE.png")
    link = f"![nl␊NEWLINE.png · image/png · 73 B · 4×3](chat.files/{copy.name})"
    assert link in out.read_text().splitlines()
    assert "<figcaption>nl␊NEWLINE.png · image/png · 73 B · 4×3</figcaption>" in export(
        store, session, "html"
    )
