"""A streamed reply longer than the screen is followed to its newest line, while it streams
and once it is stored (Pilot)."""

from __future__ import annotations

from textual import events

from mimo_tui.fake.scenarios import scenario, split_tokens
from mimo_tui.ui.widgets.md_palette import current_palette
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.tui_helpers import chat, make_app, screen_lines, send, wait_until

LONG = "\n\n".join(f"Paragraph {i} of the long answer." for i in range(120)) + "\n\nTHE-END."


def shown(app) -> str:
    return "\n".join(screen_lines(app))


async def test_a_long_reply_is_followed_while_it_streams(fake, settings, paths):
    upto = LONG.index("Paragraph 61 ")
    chunks = len(split_tokens(LONG[:upto]))  # the stream stops after "Paragraph 60 …"
    fake.queue(scenario("text", content=LONG, stall_after=chunks))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = chat(app)
        await send(pilot, "write a lot")
        await wait_until(pilot, lambda: "Paragraph 60 of the long answer." in shown(app))
        conv = screen.conversation
        assert conv.scroll_y == conv.max_scroll_y
        assert "Paragraph 50 " not in shown(app)  # the top of the reply is out of view
        await pilot.press("escape")  # stop it: what arrived is kept, still in view
        await wait_until(pilot, lambda: bool(screen.query(StoredReply)))
        await pilot.pause()
        assert "Paragraph 60 of the long answer." in shown(app)
        assert conv.scroll_y == conv.max_scroll_y
    runtime.close()


async def test_scrolling_up_while_it_streams_stops_following(fake, settings, paths):
    upto = LONG.index("Paragraph 61 ")
    fake.queue(scenario("text", content=LONG, stall_after=len(split_tokens(LONG[:upto]))))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = chat(app)
        await send(pilot, "write a lot")
        await wait_until(pilot, lambda: "Paragraph 60 of the long answer." in shown(app))
        under, _ = app.get_widget_at(40, 8)  # the mouse wheel, over the reply
        for _ in range(6):
            under.post_message(events.MouseScrollUp(under, 40, 8, 0, 0, 0, False, False, False))
        conv = screen.conversation
        await wait_until(pilot, lambda: conv.scroll_y < conv.max_scroll_y - 10)
        at = conv.scroll_y
        await pilot.press("escape")
        await wait_until(pilot, lambda: bool(screen.query(StoredReply)))
        await pilot.pause()
        assert conv.scroll_y == at  # the reply, now stored, stays where the user read it
        assert "Paragraph 60 of the long answer." not in shown(app)
    runtime.close()


async def test_a_long_reply_is_followed_to_its_last_line(fake, settings, paths):
    fake.queue(scenario("text", content=LONG, delay_s=0.002))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = chat(app)
        await send(pilot, "write a lot")
        await wait_until(pilot, lambda: bool(screen.query(StoredReply)))
        await wait_until(pilot, lambda: "THE-END." in shown(app), timeout=5)
        assert "Paragraph 100 " not in shown(app)
        conv = screen.conversation
        assert conv.scroll_y == conv.max_scroll_y
    runtime.close()


CODE = (
    "\n\n".join(
        f"## Part {i}\n\nSome text with **bold** words.\n\n"
        f"```python\nprint({i})\nx = {i} * 2\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |"
        for i in range(12)
    )
    + "\n\nTHE-END."
)


async def test_a_reply_with_reasoning_code_and_tables_is_followed_to_its_end(fake, settings, paths):
    fake.queue(scenario("thinking_text", reasoning="step " * 200, content=CODE, delay_s=0.001))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = chat(app)
        await send(pilot, "write code")
        await wait_until(pilot, lambda: bool(screen.query(StoredReply)))
        await wait_until(pilot, lambda: "THE-END." in shown(app), timeout=5)
        await wait_until(pilot, lambda: current_palette().highlight)  # code in colour
        await pilot.pause()
        assert "THE-END." in shown(app)
        conv = screen.conversation
        assert conv.scroll_y == conv.max_scroll_y
    runtime.close()
