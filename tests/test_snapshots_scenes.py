"""Snapshot tests of every scene `scripts/screenshots.py` draws for the README that no other
snapshot covers, and of the moments a still picture must prove: a reply mid-stream, an error
notice. Synchronous, fixed size, seeded store, frozen clock, no cursor blink; the live ones
talk to the fake over real HTTP."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mimo_tui.config import Paths, Settings
from mimo_tui.fake.scenarios import Scenario
from mimo_tui.fake.seed import seed_conversation, seed_history
from mimo_tui.runtime import build_runtime
from mimo_tui.ui import turn
from mimo_tui.ui.app import MimoApp
from tests import scenes
from tests.conftest import FROZEN, KEY
from tests.tui_helpers import screen_lines, send, wait_until

NOWHERE = "http://127.0.0.1:9/v1"  # nothing listens: a seeded scene never reaches a server


pytestmark = pytest.mark.usefixtures("utc")


def scene_app(
    tmp_path,
    theme: str = "mimo-dark",
    tools: bool = False,
    cached: bool = False,
    model: str = "mimo-v2.5-pro",
    new: bool = False,
    base_url: str = NOWHERE,
) -> MimoApp:
    """The app as `scripts/screenshots.py` builds it: older sessions seeded, then the
    seeded conversation (or, `new`, an empty chat)."""
    paths = Paths(tmp_path / "config", tmp_path / "data")
    settings = Settings(api_key=KEY, base_url=base_url, theme=theme, model=model, max_retries=0)
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN)
    store = runtime.store
    store.clock = lambda: FROZEN.timestamp() - 60  # "1 min ago": fixed, not the real time
    seed_history(store, FROZEN.timestamp())
    if new:
        session_id = store.create_session(model, {"api": "openai"}, "5e55100d0099").id
    else:
        session_id = seed_conversation(store, tools=tools, cached=cached)
    return MimoApp(runtime, session_id)


def then(step):
    """Steady the input (no blinking cursor), run the scene's step, let it settle."""

    async def run(pilot) -> None:
        pilot.app.screen.query_one("PromptInput").cursor_blink = False
        await pilot.pause()
        await step(pilot)
        await pilot.pause()

    return run


def test_the_conversation_at_80_by_24(snap_compare, tmp_path):
    """The smallest supported terminal: the reasoning panel open under the question, the
    answer's code block framed and labelled `1 · python` with `y1 copy`, nothing cut at
    the right edge, and the input and status line still on screen."""
    app = scene_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(scenes.reasoning_open))


def test_the_conversation_in_high_contrast(snap_compare, tmp_path):
    """The high-contrast theme: white text on black, the open reasoning panel behind a
    white bar, the code block in a bright white frame, the user's turn behind an orange
    bar under a thin rule, the status line in full white."""
    app = scene_app(tmp_path, theme="mimo-high-contrast")
    assert snap_compare(app, terminal_size=(100, 34), run_before=then(scenes.reasoning_open))


@pytest.mark.parametrize("theme", ["mimo-dark", "mimo-light"])
def test_search_across_sessions(snap_compare, tmp_path, theme):
    """Ctrl+F, "greeting" typed: a modal with the query, `N matches` under it, and one line
    per hit (session title, the role and the matching words) over the dimmed chat."""
    app = scene_app(tmp_path, theme=theme, tools=True)
    assert snap_compare(app, terminal_size=(120, 34), run_before=then(scenes.search_open))


@pytest.mark.parametrize("theme", ["mimo-dark", "mimo-light"])
def test_the_settings_screen(snap_compare, tmp_path, theme):
    """F8, a modal titled "Settings · Ctrl+S saves to config.toml · Esc cancels": the model
    field, a picker of the catalogue's models (the hint says the list could not be
    fetched, and gives the chosen model's context, prices and thinking), the thinking
    switch and its note, temperature, top_p, max tokens, and Cancel / Save buttons."""
    app = scene_app(tmp_path, theme=theme)
    assert snap_compare(app, terminal_size=(110, 40), run_before=then(scenes.settings_open))


def test_the_meter_cache_hits_and_cost(snap_compare, tmp_path):
    """Each reply's stats line with its cache hits (`N% cached`) and cost estimate, and the
    status line with the session's totals, the estimate's price date and the context
    fill (`context N / 1M`)."""
    app = scene_app(tmp_path, tools=True, cached=True)
    assert snap_compare(app, terminal_size=(150, 34), run_before=then(scenes.nothing))


def test_an_attachment_sent_and_one_waiting(snap_compare, tmp_path):
    """A question sent with a photo (an attachment line naming street-photo.png, its size
    and pixels) and the answer; above the input a chip for dashboard.png waiting to go,
    and the input holding "and this one?"."""
    app = scene_app(tmp_path, model="mimo-v2.5")
    assert snap_compare(app, terminal_size=(110, 34), run_before=then(scenes.attachments_shown))


def test_a_reply_with_web_sources(snap_compare, tmp_path):
    """A web-search answer with `[1]` `[2]` `[3]` references, and under it an open
    "Sources · 3" panel (s folds, o opens one): each source's number, title, site and
    underlined address."""
    app = scene_app(tmp_path, new=True)
    assert snap_compare(app, terminal_size=(110, 30), run_before=then(scenes.sources_shown))


def hold_the_clocks(app: MimoApp, monkeypatch) -> MimoApp:
    """The seconds a live turn shows (the status line's `answering… N s · N tok/s`, a
    reply's duration) held at one instant: the picture is the same on a loaded machine as
    on an idle one. The engine takes its clock as a parameter; the status ticker reads
    `time.monotonic` in ui/turn.py."""
    app.runtime.engine.mono = lambda: 1000.0
    monkeypatch.setattr(turn, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    return app


MID_STREAM = Scenario(
    content="Here is the plan:\n\n1. Read the file\n2. Count the words\n3. Print the total "
    "and never finish this sentence",
    stall_after=17,  # then the stream stays open, as a long answer's does between tokens
)
STREAMED = "Print the total"


def test_a_reply_mid_stream(snap_compare, tmp_path, fake, monkeypatch):
    """A reply still arriving: the question, the answer so far ("Here is the plan:" and a
    numbered list `1.` `2.` `3.` up to "Print the total"), no stats line under it yet, the
    status line saying `answering… 0.0 s · 0 tok/s` (the clocks held still) and the footer
    offering `esc Stop`."""
    fake.queue(MID_STREAM)
    app = hold_the_clocks(scene_app(tmp_path, new=True, base_url=fake.base_url), monkeypatch)

    async def run(pilot) -> None:
        pilot.app.screen.query_one("PromptInput").cursor_blink = False
        await pilot.pause()
        await send(pilot, "Plan a word count")
        await wait_until(pilot, lambda: any(STREAMED in line for line in screen_lines(app)))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 24), run_before=run)


def test_an_error_notice(snap_compare, tmp_path, fake, monkeypatch):
    """The request refused (HTTP 402): under the question `✖ failed (see below) ·
    mimo-v2.5-pro`, then a notice behind a red bar saying the balance is insufficient,
    where to top it up and that F5 retries; the status line says the reply failed."""
    fake.queue("http_402")
    app = hold_the_clocks(scene_app(tmp_path, new=True, base_url=fake.base_url), monkeypatch)

    async def run(pilot) -> None:
        pilot.app.screen.query_one("PromptInput").cursor_blink = False
        await pilot.pause()
        await send(pilot, "Hello")
        await wait_until(pilot, lambda: bool(pilot.app.screen.query("Notice.-error")))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 24), run_before=run)
