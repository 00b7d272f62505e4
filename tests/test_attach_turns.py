"""Attachments over real HTTP to the fake: the right content parts, earlier ones replayed
(capped), text-only models refused before anything is sent, and the fake as strict as MiMo."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from mimo_tui import attachments
from mimo_tui.events import TurnFailed, TurnFinished
from mimo_tui.fake import FakeMimo
from mimo_tui.store import Store
from tests.conftest import KEY, collect, make_engine
from tests.media_helpers import png, wav


def _user_parts(body: dict) -> list[list[dict]]:
    return [m["content"] for m in body["messages"] if m["role"] == "user"]


async def test_an_image_is_sent_as_a_data_url_and_the_fake_saw_its_exact_bytes(
    store: Store, settings, fake: FakeMimo
):
    engine = make_engine(store, replace(settings, model="mimo-v2.5"))
    session = store.create_session("mimo-v2.5")
    image = attachments.from_bytes(png(64, 48), "photo.png")
    events = await collect(engine.turn(session.id, "describe", [image]))
    answer = events[-1]
    assert isinstance(answer, TurnFinished)
    sha = hashlib.sha256(image[1]).hexdigest()
    assert f"user#1 image image/png bytes={len(image[1])} sha256={sha}" in answer.message.content
    (parts,) = _user_parts(fake.chat_requests()[-1].body)
    assert parts[0]["type"] == "image_url"
    assert parts[0]["image_url"]["url"] == (
        "data:image/png;base64," + base64.b64encode(image[1]).decode()
    )
    assert parts[1] == {"type": "text", "text": "describe"}


async def test_an_image_two_turns_back_is_still_replayed(store: Store, settings, fake: FakeMimo):
    engine = make_engine(store, replace(settings, model="mimo-v2.5"))
    session = store.create_session("mimo-v2.5")
    image = attachments.from_bytes(png(10, 10, (0, 0, 255)), "car.png")
    await collect(engine.turn(session.id, "what is this?", [image]))
    await collect(engine.turn(session.id, "is it new?"))
    events = await collect(engine.turn(session.id, "and what colour is the car?"))
    sha = hashlib.sha256(image[1]).hexdigest()
    assert (
        f"user#1 image image/png bytes={len(image[1])} sha256={sha}" in events[-1].message.content
    )
    first, second, third = _user_parts(fake.chat_requests()[-1].body)
    assert first[0]["image_url"]["url"].endswith(base64.b64encode(image[1]).decode())
    assert second == "is it new?" and third == "and what colour is the car?"


async def test_the_setting_caps_how_many_earlier_attachments_are_replayed(
    store: Store, settings, fake: FakeMimo
):
    engine = make_engine(store, replace(settings, model="mimo-v2.5", max_replayed_attachments=1))
    session = store.create_session("mimo-v2.5")
    for i in range(3):
        await collect(
            engine.turn(
                session.id, f"image {i}", [attachments.from_bytes(png(i + 1, 1), f"p{i}.png")]
            )
        )
    parts = _user_parts(fake.chat_requests()[-1].body)
    kinds = [[p["type"] for p in msg] for msg in parts]
    assert kinds == [["text", "text"], ["image_url", "text"], ["image_url", "text"]]
    assert "p0.png" in parts[0][0]["text"] and "not replayed" in parts[0][0]["text"]


async def test_a_text_only_model_is_refused_before_anything_is_saved_or_sent(
    store: Store, settings, fake: FakeMimo
):
    engine = make_engine(store, settings)  # mimo-v2.5-pro: text only
    session = store.create_session("mimo-v2.5-pro")
    events = await collect(
        engine.turn(session.id, "look", [attachments.from_bytes(png(), "a.png")])
    )
    assert isinstance(events[-1], TurnFailed) and events[-1].kind == "media"
    assert events[-1].error.startswith("mimo-v2.5-pro does not accept image input; ")
    assert fake.chat_requests() == [] and store.messages(session.id) == []
    assert not any(store.blobs.root.rglob("*")) if store.blobs.root.exists() else True


async def test_after_switching_to_a_text_only_model_earlier_images_become_a_note(
    store: Store, settings, fake: FakeMimo
):
    session = store.create_session("mimo-v2.5")
    vision = make_engine(store, replace(settings, model="mimo-v2.5"))
    await collect(vision.turn(session.id, "see", [attachments.from_bytes(png(), "a.png")]))
    text_only = make_engine(store, settings)
    events = await collect(text_only.turn(session.id, "now in words"))
    assert isinstance(events[-1], TurnFinished)
    first = _user_parts(fake.chat_requests()[-1].body)[0]
    assert first[0]["type"] == "text" and "does not accept image input" in first[0]["text"]


async def test_audio_and_a_url_go_as_input_audio_and_a_plain_url(
    store: Store, settings, fake: FakeMimo
):
    engine = make_engine(store, replace(settings, model="mimo-v2.5"))
    session = store.create_session("mimo-v2.5")
    sound = attachments.from_bytes(wav(), "voice.wav")
    link = (attachments.from_url("https://example.com/clip.mp4"), None)
    events = await collect(engine.turn(session.id, "listen", [sound, link]))
    assert isinstance(events[-1], TurnFinished)
    (parts,) = _user_parts(fake.chat_requests()[-1].body)
    assert parts[0]["input_audio"]["data"].startswith("data:audio/wav;base64,")
    assert parts[1] == {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}}
    assert "user#1 video url=https://example.com/clip.mp4" in events[-1].message.content


def _post(fake: FakeMimo, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        fake.base_url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"api-key": KEY, "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _image_request(model: str, url: str) -> dict:
    return {
        "model": model,
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}
        ],
    }


@pytest.mark.parametrize(
    ("model", "url", "param"),
    [
        (
            "mimo-v2.5-pro",
            "data:image/png;base64,AAAA",
            "model mimo-v2.5-pro does not support image input",
        ),
        ("mimo-v2.5", "data:image/png;base64,@@not base64@@", "invalid base64 in a data URL"),
        (
            "mimo-v2.5",
            "data:image/png;base64," + base64.b64encode(b"\x00" * (10 * 1024 * 1024 + 1)).decode(),
            "image exceeds the size limit (10485761 bytes)",
        ),
        ("mimo-v2.5", "file:///etc/passwd", "media must be an http(s) URL or a base64 data URL"),
    ],
)
def test_the_fake_refuses_media_as_mimo_would(fake: FakeMimo, model, url, param):
    status, body = _post(fake, _image_request(model, url))
    assert status == 400
    assert body["error"]["message"] == "Param Incorrect" and body["error"]["param"] == param


async def test_the_anthropic_format_sends_images_as_image_blocks(settings, paths, fake: FakeMimo):
    pytest.importorskip("anthropic")
    from mimo_tui.runtime import build_runtime

    runtime = build_runtime(replace(settings, api="anthropic", model="mimo-v2.5"), paths)
    session = runtime.new_session()
    image = attachments.from_bytes(png(7, 7), "a.png")
    events = await collect(runtime.engine.turn(session.id, "see", [image]))
    sha = hashlib.sha256(image[1]).hexdigest()
    assert f"sha256={sha}" in events[-1].message.content
    blocks = fake.messages_requests()[-1].body["messages"][0]["content"]
    assert blocks[0] == {
        "type": "image",
        "source": {
            "type": "base64",
            "media_type": "image/png",
            "data": base64.b64encode(image[1]).decode(),
        },
    }
    assert blocks[1] == {"type": "text", "text": "see"}
    await runtime.close_client()
    runtime.close()
