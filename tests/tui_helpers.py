"""Helpers for driving the app with Pilot against the fake."""

from __future__ import annotations

import time
from collections.abc import Callable

from mimo_tui.config import Paths, Settings
from mimo_tui.runtime import Runtime, build_runtime
from mimo_tui.ui.app import MimoApp, approve_in_app
from mimo_tui.ui.chat import ChatScreen
from tests.conftest import FROZEN


def make_app(settings: Settings, paths: Paths, resume: bool = False) -> tuple[MimoApp, Runtime]:
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN, approver=approve_in_app)
    session = runtime.session(resume=resume)
    return MimoApp(runtime, session.id), runtime


async def wait_until(pilot, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until `condition` holds (bounded), checking after each pause."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def send(pilot, text: str) -> None:
    input_ = pilot.app.screen.query_one("PromptInput")
    input_.text = text
    input_.focus()
    await pilot.press("enter")


async def send_then_regenerate(pilot, text: str = "hi") -> None:
    """Send `text`, let the reply finish, then Ctrl+G and let the second reply finish."""
    await send(pilot, text)
    await pilot.app.workers.wait_for_complete()
    await pilot.press("ctrl+g")
    await pilot.app.workers.wait_for_complete()


KEY_NAMES = {" ": "space", "-": "minus", ".": "full_stop"}


def burst(app, text: str = "", first: str | None = None) -> None:
    """Keys as a fast typist's terminal delivers them, all queued before the app acts on
    the first (Pilot's press waits for each key to be handled): the key `first` (e.g.
    "ctrl+f"), then the characters of `text`."""
    from textual import events

    if first is not None:
        app.post_message(events.Key(first, None))
    for ch in text:
        app.post_message(events.Key(KEY_NAMES.get(ch, ch), ch))


def screen_lines(app) -> list[str]:
    """The current screen as the terminal would be sent it, one string per line."""
    update = app.screen._compositor.render_update(full=True)
    return ["".join(segment.text for segment in strip) for strip in update.strips]


def chat(app) -> ChatScreen:
    """The chat screen, under any modal pushed over it."""
    return next(s for s in app.screen_stack if isinstance(s, ChatScreen))
