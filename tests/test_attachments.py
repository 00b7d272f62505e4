"""Attachments in the core: types by their bytes, limits with clear messages, dimensions from
headers, blobs stored once by sha256 (owner-only), found by name, deleted with their last
session."""

from __future__ import annotations

import hashlib
import stat
import struct

import pytest

from mimo_tui import attachments
from mimo_tui.attachments import AttachmentError
from mimo_tui.model import Message
from mimo_tui.store import Store
from tests.media_helpers import big_png, png, wav, write


def test_an_image_is_known_by_its_bytes_and_its_size_read_from_the_header(tmp_path):
    path = write(tmp_path, "photo.bin.png", png(640, 480))
    a, data = attachments.from_path(path)
    assert (a.kind, a.mime, a.width, a.height) == ("image", "image/png", 640, 480)
    assert a.sha256 == hashlib.sha256(data).hexdigest() and a.size == len(data)
    # named .jpg but PNG inside: sent as what it is
    a2, _ = attachments.from_path(write(tmp_path, "lying.jpg", png(2, 2)))
    assert a2.mime == "image/png"


@pytest.mark.parametrize(
    ("head", "mime", "dims"),
    [
        (b"GIF89a" + struct.pack("<HH", 33, 44) + b"\x00" * 20, "image/gif", (33, 44)),
        (b"BM" + b"\x00" * 16 + struct.pack("<ii", 10, -20) + b"\x00" * 30, "image/bmp", (10, 20)),
        (
            b"RIFF\x00\x00\x00\x00WEBPVP8X"
            + b"\x00" * 8
            + (99).to_bytes(3, "little")
            + (49).to_bytes(3, "little")
            + b"\x00" * 10,
            "image/webp",
            (100, 50),
        ),
        (
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xc0\x00\x11\x08"
            + struct.pack(">HH", 120, 160)
            + b"\x03"
            + b"\x00" * 12,
            "image/jpeg",
            (160, 120),
        ),
    ],
)
def test_every_image_format_mimo_reads_is_sniffed_with_its_dimensions(head, mime, dims):
    a, _ = attachments.from_bytes(head, "x")
    assert (a.mime, (a.width, a.height)) == (mime, dims)


def test_audio_is_sniffed_and_a_file_that_is_no_image_is_refused_by_name(tmp_path):
    a, _ = attachments.from_path(write(tmp_path, "voice.wav", wav()))
    assert (a.kind, a.mime) == ("audio", "audio/wav")
    with pytest.raises(AttachmentError, match=r"fake\.png: not an image MiMo can read"):
        attachments.from_path(write(tmp_path, "fake.png", b"hello, world " * 10))
    with pytest.raises(AttachmentError, match=r"notes\.txt: unknown file type"):
        attachments.from_path(write(tmp_path, "notes.txt", b"hello"))


def test_a_12_mb_image_is_refused_naming_the_file_and_the_limit(tmp_path):
    path = write(tmp_path, "huge.png", big_png(12 * 1024 * 1024))
    with pytest.raises(AttachmentError) as info:
        attachments.from_path(path)
    assert str(info.value) == "huge.png: 12.0 MB is over the 10 MB limit for image attachments"


def test_stdin_bytes_take_the_given_type_and_urls_are_kept_as_urls():
    a, _ = attachments.from_bytes(wav(), "stdin", "audio/wav")
    assert a.kind == "audio"
    url = attachments.from_url("https://example.com/cat.webp?x=1")
    assert (url.kind, url.mime, url.url, url.name) == (
        "image",
        "image/webp",
        "https://example.com/cat.webp?x=1",
        "cat.webp",
    )
    with pytest.raises(AttachmentError, match="text/plain cannot be attached"):
        attachments.from_bytes(b"hello", "stdin", "text/plain")


def _attach(store: Store, session_id: str, name: str, data: bytes) -> Message:
    a, data = attachments.from_bytes(data, name)
    store.blobs.put(a.sha256, data)
    return store.add_message(session_id, Message(role="user", content="look", attachments=(a,)))


def test_blobs_are_stored_once_owner_only_and_read_back_with_their_message(paths):
    store = Store(paths.store_file)
    s = store.create_session("mimo-v2.5")
    image = png(8, 8)
    m1 = _attach(store, s.id, "one.png", image)
    _attach(store, s.id, "same-bytes.png", image)
    sha = m1.attachments[0].sha256
    blob = store.blobs.path(sha)
    assert blob.read_bytes() == image
    assert stat.S_IMODE(blob.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.blobs.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(blob.parent.stat().st_mode) == 0o700
    assert len(list(store.blobs.root.rglob("*"))) == 2  # one folder, one file
    loaded = store.messages(s.id)
    assert [m.attachments[0].name for m in loaded] == ["one.png", "same-bytes.png"]
    assert store.message(m1.id or 0).attachments == m1.attachments  # type: ignore[union-attr]
    assert store.page(s.id)[0].attachments == m1.attachments
    store.close()


def test_blobs_are_deleted_with_the_last_session_that_references_them(paths):
    store = Store(paths.store_file)
    a = store.create_session("mimo-v2.5")
    b = store.create_session("mimo-v2.5")
    shared = _attach(store, a.id, "shared.png", png(3, 3)).attachments[0].sha256
    _attach(store, b.id, "shared.png", png(3, 3))
    only_a = _attach(store, a.id, "only-a.png", png(5, 5)).attachments[0].sha256
    store.delete_session(a.id)
    assert not store.blobs.path(only_a).exists()
    assert store.blobs.path(shared).exists()  # b still shows it
    store.delete_session(b.id)
    assert not store.blobs.path(shared).exists()
    store.close()


def test_search_finds_a_message_by_the_name_of_its_attachment(paths):
    store = Store(paths.store_file)
    s = store.create_session("mimo-v2.5")
    m = _attach(store, s.id, "holiday-beach.png", png())
    hits = store.search("beach")
    assert [h.message_id for h in hits] == [m.id]
    assert "\x01beach\x02" in hits[0].snippet
    assert store.search("be") and store.search("nothing-like-it") == []
    store.close()


def test_the_request_json_with_spliced_data_urls_decodes_to_the_same_body():
    import base64
    import json

    from mimo_tui.media import json_body

    url = "data:image/png;base64," + base64.b64encode(bytes(range(256)) * 40).decode()
    body = {
        "model": "mimo-v2.5",
        "messages": [
            {"role": "system", "content": 'say "hi" ☺'},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": url}},
                    {"type": "input_audio", "input_audio": {"data": url.replace("image", "audio")}},
                    {"type": "text", "text": 'quote " and \\ backslash'},
                ],
            },
        ],
    }
    raw = json_body(body)
    assert raw is not None and json.loads(raw) == body
    assert json_body({"messages": [{"role": "user", "content": "plain"}]}) is None
