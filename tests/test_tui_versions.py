"""Regenerated replies in the TUI: the active one says which version it is, `[` / `]` show the
superseded one in its place and back, and only the active one is sent to the model again.
Raw HTML in a reply shows as the text it is."""

from __future__ import annotations

from mimo_tui.fake.scenarios import Scenario, scenario
from mimo_tui.transcripts import export_html, export_markdown
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.tui_helpers import chat, make_app, screen_lines, send, send_then_regenerate, wait_until

SIZE = (100, 30)
FIRST = "Hello world."  # the "thinking_text" scenario's answer
SECOND = "Hello! I'm MiMo, Xiaomi's AI assistant."  # the "text" scenario's


def screen(app) -> str:
    return "\n".join(screen_lines(app))


async def test_regenerate_marks_the_version_and_brackets_switch_between_them(settings, paths, fake):
    fake.queue("thinking_text", "text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send_then_regenerate(pilot)
        await wait_until(pilot, lambda: "version 2 of 2" in screen(app))
        assert SECOND in screen(app) and FIRST not in screen(app)
        assert "[ / ] to switch" in " ".join(screen(app).split())  # (the meta line may wrap)

        await pilot.press("up")  # from the input onto the reply
        assert isinstance(app.focused, StoredReply) and app.focused.version == (2, 2)
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: FIRST in screen(app))
        shown = screen(app)
        assert SECOND not in shown  # the older version in place of the active one
        assert "superseded" in shown and "version 1 of 2" in shown
        assert "Reasoning" in shown  # its reasoning, folded
        assert type(app.focused).__name__ == "SupersededReply"

        await pilot.press("left_square_bracket")  # there is no older one: nothing changes
        await pilot.pause()
        assert FIRST in screen(app) and len(chat(app).query("SupersededReply")) == 1

        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: SECOND in screen(app))
        assert FIRST not in screen(app) and "version 2 of 2" in screen(app)
        assert not chat(app).query("SupersededReply")

        await pilot.press("left_square_bracket")  # look at the old one, then send
        await wait_until(pilot, lambda: FIRST in screen(app))
        await send(pilot, "and then?")
        await app.workers.wait_for_complete()
    sent = fake.chat_requests()[-1].body["messages"]
    replies = [m["content"] for m in sent if m["role"] == "assistant"]
    assert replies == [SECOND]  # only the active version is replayed
    runtime.close()


async def test_an_older_version_keeps_its_interrupted_mark(settings, paths, fake):
    """A reply stopped with Escape and then regenerated: looking back at it with `[` (and
    in both exports) it still says it was interrupted, not that it finished."""
    fake.queue(scenario("text", stall_after=2), "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        screen_ = chat(app)
        await send(pilot, "hi")
        await wait_until(pilot, lambda: screen_.busy)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen_.busy and "interrupted" in screen(app))
        await pilot.press("ctrl+g")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: "version 2 of 2" in screen(app))
        assert "interrupted" not in screen(app)  # the active reply finished
        await pilot.press("up")
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "version 1 of 2" in screen(app))
        assert "superseded · ⏹ interrupted" in screen(app)
        session = runtime.store.get_session(screen_.session_id)
    markdown = export_markdown(runtime.store, session)
    assert "Superseded reply · version 1 of 2 · MiMo" in markdown
    assert markdown.split("Superseded reply", 1)[1].split("</summary>")[0].endswith("interrupted")
    page = export_html(runtime.store, session)
    assert page.split("Superseded reply", 1)[1].split("</summary>")[0].endswith("interrupted")
    runtime.close()


def reasoning_titles(app) -> list[str]:
    return [
        line.split("Reasoning", 1)[1].strip() for line in screen_lines(app) if "▶ Reasoning" in line
    ]


async def test_an_older_version_keeps_its_reasoning_title(settings, paths, fake):
    """A reply stopped with Escape after its reasoning (no usage came, so no token count)
    and one that finished: looked back at with `[`, each reasoning title says what it said
    before it was superseded, the time at least."""
    stopped = scenario(
        "thinking_text", reasoning="step " * 30, content="Hello there my friend", stall_after=33
    )
    fake.queue(stopped, "thinking_text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        screen_ = chat(app)
        await send(pilot, "hi")
        await wait_until(pilot, lambda: "Hello" in screen(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen_.busy and "interrupted" in screen(app))
        (cut,) = reasoning_titles(app)
        assert cut.startswith("· ") and cut.endswith(" s") and "tokens" not in cut
        await pilot.press("ctrl+g")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: "version 2 of 2" in screen(app))
        (finished,) = reasoning_titles(app)
        assert "tokens" in finished and finished.endswith(" s")
        await pilot.press("ctrl+g")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: "version 3 of 3" in screen(app))
        await pilot.press("up")
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "version 2 of 3" in screen(app))
        assert reasoning_titles(app) == [finished]
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "version 1 of 3" in screen(app))
        assert reasoning_titles(app) == [cut]
    runtime.close()


async def test_a_reopened_session_still_offers_the_older_version(settings, paths, fake):
    fake.queue("thinking_text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send_then_regenerate(pilot)
        sid = chat(app).session_id
        await chat(app).load_session(sid)  # as when the session is opened again
        await wait_until(pilot, lambda: "version 2 of 2" in screen(app))
        reply = chat(app).query_one(StoredReply)
        reply.focus()
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: FIRST in screen(app))
    runtime.close()


async def test_raw_html_in_a_reply_is_shown_as_text(settings, paths, fake):
    fake.queue(
        Scenario(content="<script>alert(1)</script>\n\nSee <img src=x onerror=alert(2)> here.")
    )
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "html please")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: "<script>alert(1)</script>" in screen(app))
        assert "See <img src=x onerror=alert(2)> here." in screen(app)
        await chat(app).load_session(chat(app).session_id)  # stored, drawn again
        await wait_until(pilot, lambda: "<script>alert(1)</script>" in screen(app))
    runtime.close()
