"""The inspector shows a request's attachments as the content parts they were sent as, each
data URL abbreviated to type, name, size and sha256 prefix: never megabytes of base64."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

from mimo_tui import attachments
from mimo_tui.fake.scenarios import Scenario
from mimo_tui.inspect import round_exchange
from mimo_tui.store import Store
from mimo_tui.ui.widgets.inspector import ToolInspector
from tests.conftest import KEY, collect, make_engine
from tests.media_helpers import big_png, png, wav
from tests.test_tui_tools import app_with_tools, lines
from tests.tui_helpers import send, wait_until


async def test_round_exchange_shows_each_attachment_abbreviated_in_its_part(
    store: Store, settings, fake
):
    engine = make_engine(store, replace(settings, model="mimo-v2.5", max_replayed_attachments=0))
    session = store.create_session("mimo-v2.5")
    photo = attachments.from_bytes(big_png(600_000), "photo.png")
    voice = attachments.from_bytes(wav(), "voice.wav")
    await collect(engine.turn(session.id, "look", [photo]))
    events = await collect(engine.turn(session.id, "and listen", [voice]))
    request, _ = round_exchange(store, events[-1].message.id, KEY)
    assert len(request) < 5_000  # the 600 KB image is not in it
    assert base64.b64encode(photo[1][:300]).decode() not in request
    users = [m["content"] for m in json.loads(request)["messages"] if m["role"] == "user"]
    sent = [m["content"] for m in fake.chat_requests()[-1].body["messages"] if m["role"] == "user"]
    # The same parts as the fake received, in the same order, only the data abbreviated.
    assert [[p["type"] for p in c] for c in users] == [[p["type"] for p in c] for c in sent]
    first, second = users
    assert first[0]["type"] == "text"  # cap 0: the earlier image left a note, as sent
    assert first[0]["text"] == sent[0][0]["text"]
    assert "photo.png (image/png)" in first[0]["text"]
    audio = second[0]["input_audio"]["data"]
    sha = voice[0].sha256
    assert audio == (
        f"data:audio/wav;base64,… (voice.wav, 1.6 KB, 2.1 KB of base64, sha256 {sha[:12]}…)"
    )


async def test_the_inspector_panel_shows_the_abbreviated_image_part(settings, paths, fake):
    call = {"name": "get_current_weather", "arguments": '{"location": "Paris"}'}
    fake.queue(Scenario(reasoning="Weather first.", tool_calls=(call,)), "text")
    app, runtime = app_with_tools(replace(settings, model="mimo-v2.5"), paths)
    image = png(30, 20)
    photo, _ = attachments.from_bytes(image, "street.png")
    async with app.run_test(size=(140, 40)) as pilot:
        await app.screen.attach_ref(str(write_png(paths, image))).wait()
        await send(pilot, "what is the weather where this was taken?")
        await wait_until(pilot, lambda: bool(lines(app)) and not app.screen.busy)
        await pilot.click(lines(app)[0])
        inspector = app.screen.query_one(ToolInspector)
        await wait_until(pilot, lambda: bool(inspector._raw.get("request")))
        request = json.loads(inspector._raw["request"])
        (user,) = [m for m in request["messages"] if m["role"] == "user"]
        url = user["content"][0]["image_url"]["url"]
        assert url.startswith("data:image/png;base64,… (street.png, ")
        assert f"sha256 {photo.sha256[:12]}…" in url
        assert base64.b64encode(image).decode() not in inspector._raw["request"]
    runtime.close()


def write_png(paths, data: bytes):
    path = paths.data_dir.parent / "street.png"
    path.write_bytes(data)
    return path
