"""The chat screen driven with Pilot: send, watch reasoning then the answer, fold and unfold,
cancel with Escape, resume with -c; model text never acts as markup or terminal control."""

from __future__ import annotations

from dataclasses import replace

from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import scenario, split_tokens
from mimo_tui.ui.chat import ChatScreen
from mimo_tui.ui.widgets.conversation import Notice
from mimo_tui.ui.widgets.conversation_items import Reply
from mimo_tui.ui.widgets.lines import LiveAnswer, MarkdownBlocks
from mimo_tui.ui.widgets.message import AssistantMessage, UserMessage, meta_text
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.status import StatusLine
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.tui_helpers import chat, make_app, screen_lines, send, wait_until

SIZE = (100, 40)


def plain(lines) -> list[str]:
    """Lines as text, without the blank lines that end them."""
    text = ["".join(segment.text for segment in line).rstrip() for line in lines]
    while text and not text[-1]:
        text.pop()
    return text


def replies(app) -> list[AssistantMessage | StoredReply]:
    """Replies in order: live ones while streaming, one StoredReply each once final."""
    return list(app.screen.query(Reply))


async def test_reasoning_streams_into_an_open_panel_before_the_answer(settings, paths, fake):
    """While the model thinks, its reasoning is visible; the answer has not started."""
    fake.queue(scenario("thinking_text", reasoning="step " * 30, stall_after=6))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is the answer?")
        await wait_until(
            pilot,
            lambda: (
                bool(replies(app))
                and replies(app)[0].reasoning is not None
                and replies(app)[0].reasoning.text.count("step") == 5
            ),
        )
        reply = replies(app)[0]
        assert reply.reasoning.collapsed is False
        assert "thinking…" in str(reply.reasoning.title)
        assert reply.query_one(LiveAnswer).source == ""
        await wait_until(
            pilot, lambda: "reasoning…" in str(app.screen.query_one(StatusLine).render())
        )
        await pilot.press("escape")
        await app.workers.wait_for_complete()
    runtime.close()


async def test_send_shows_the_answer_and_folds_the_reasoning(settings, paths, fake: FakeMimo):
    fake.queue(scenario("thinking_text", reasoning="step " * 30, content="The **answer** is 42."))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.focused, PromptInput)
        await send(pilot, "What is the answer?")
        await app.workers.wait_for_complete()
        await pilot.pause()
        (reply,) = replies(app)
        assert isinstance(reply, StoredReply)  # settled into one light widget
        assert reply.reasoning_open is False  # folded once the answer started
        assert reply.reasoning_text == "step " * 30
        tokens = len(split_tokens("step " * 30))  # the fake counts one token per piece
        assert f"{tokens} tokens" in reply.reasoning_header
        assert reply.answer_text == "The **answer** is 42."
        assert app.screen.query_one(UserMessage).message.content == "What is the answer?"
        status = str(app.screen.query_one(StatusLine).render())
        assert "mimo-v2.5-pro" in status and "thinking on" in status and "TTFT" in status
        assert isinstance(app.focused, PromptInput) and app.focused.text == ""
    runtime.close()


async def test_reasoning_panel_toggles_by_key_and_by_click(settings, paths, fake):
    fake.queue(scenario("thinking_text", reasoning="step " * 30, stall_after=6), "thinking_text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "think")  # a live reply, stalled while it reasons
        await wait_until(
            pilot,
            lambda: (
                bool(replies(app))
                and replies(app)[0].reasoning is not None
                and "step" in replies(app)[0].reasoning.text
            ),
        )
        live = replies(app)[0].reasoning
        await pilot.press("ctrl+r")
        assert live.collapsed
        await pilot.click(live.query_one("CollapsibleTitle"))
        await pilot.pause()
        assert not live.collapsed
        await pilot.press("escape")
        await app.workers.wait_for_complete()

        await send(pilot, "hi")  # a finished reply: one widget, same keys
        await app.workers.wait_for_complete()
        await pilot.pause()
        reply = replies(app)[-1]
        assert isinstance(reply, StoredReply) and not reply.reasoning_open
        await pilot.press("ctrl+r")
        assert reply.reasoning_open
        await pilot.press("ctrl+r")
        assert not reply.reasoning_open
        await pilot.click(reply, offset=(3, 0))
        assert reply.reasoning_open
    runtime.close()


async def test_ctrl_r_on_a_long_answer_brings_its_reasoning_into_view(settings, paths, fake):
    """A finished answer taller than the screen, its reasoning folded at its top, out of
    view: Ctrl+R unfolds it and scrolls up to it, so the change is seen."""
    long_answer = "\n\n".join(f"Paragraph {i} of a long answer." for i in range(60))
    fake.queue(scenario("thinking_text", reasoning="WHYTHIS " * 5, content=long_answer))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "explain at length")
        await app.workers.wait_for_complete()

        def at_the_end() -> bool:  # (on a loaded machine the settled reply may not be
            chat(app).conversation.scroll_end(animate=False)  # followed to its end: noted)
            return "Paragraph 59" in "\n".join(screen_lines(app))

        await wait_until(pilot, at_the_end)
        assert "▶ Reasoning" not in "\n".join(screen_lines(app))  # its header out of view
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "WHYTHIS" in "\n".join(screen_lines(app)))
        assert "▼" in "\n".join(screen_lines(app))
    runtime.close()


async def test_escape_cancels_keeps_the_partial_reply_and_the_ui_is_ready(settings, paths, fake):
    fake.queue(scenario("slow_stream", delay_s=0.05, content="word " * 300), "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "long")
        await wait_until(pilot, lambda: bool(replies(app)) and bool(replies(app)[0]._content_parts))
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        reply = replies(app)[0]
        assert reply.has_class("-interrupted")
        assert "interrupted" in meta_text(reply.message)
        stored = runtime.store.messages(app.screen.session_id)[1]
        assert stored.status == "interrupted" and stored.content.startswith("word")
        assert fake.chat_requests()[0].disconnected or len(fake.chat_requests()) == 1
        # Ready again at once: the next message goes out and completes.
        await send(pilot, "short")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert replies(app)[-1].answer_text.startswith("Hello! I'm MiMo")
    runtime.close()


async def test_resume_reopens_the_last_session_with_its_reasoning(settings, paths, fake):
    fake.queue("thinking_text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "remember me")
        await app.workers.wait_for_complete()
        await pilot.pause()
        first_id = app.screen.session_id
    runtime.close()

    app, runtime = make_app(settings, paths, resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen) and screen.session_id == first_id
        assert screen.query_one(UserMessage).message.content == "remember me"
        (reply,) = app.screen.query(StoredReply)  # a finished reply is one light widget
        assert reply.reasoning_text == "The user wants a short greeting."
        assert not reply.reasoning_open
        await pilot.press("ctrl+r")
        assert reply.reasoning_open
        await pilot.click(reply, offset=(3, 0))  # its header line folds it again
        assert not reply.reasoning_open
    runtime.close()


HOSTILE = "[@click=app.quit]click me[/] [bold red]loud[/] [/bold] \x1b]0;pwned\x07 \x1b[2J \x9b31m"


async def test_model_text_is_shown_literally_never_as_markup_or_control(settings, paths, fake):
    fake.queue(scenario("thinking_text", reasoning=HOSTILE, content=HOSTILE))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, HOSTILE)
        await app.workers.wait_for_complete()
        await pilot.pause()
        reply = replies(app)[0]
        source = reply.answer_text
        assert "[@click=app.quit]click me[/]" in source
        assert "\x1b" not in source and "\x9b" not in source and "␛]0;pwned" in source
        assert "\x1b" not in reply.reasoning_text and "[bold red]loud[/]" in reply.reasoning_text
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.click(reply, offset=(4, 2))
        await pilot.pause()
        assert app.is_running
        # The store keeps the original text exactly.
        stored = runtime.store.messages(app.screen.session_id)
        assert stored[0].content == HOSTILE and stored[1].content == HOSTILE
    runtime.close()


async def test_without_a_key_the_app_starts_and_explains(settings, paths, fake):
    """A new chat at 80x24: the welcome box, whole (its title too), says every way to set a
    key; no second notice repeats it below and pushes the box off the top. A session that
    has messages (no welcome) gets the notice instead."""
    from mimo_tui.fake.seed import seed_conversation

    app, runtime = make_app(replace(settings, api_key=None), paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Welcome to mimo-tui" in text and "None yet: this is the first." in text
        for way in ("F5 pastes one", "F2 tries the offline demo", "MIMO_API_KEY", "key set"):
            assert way in text, way
        assert not app.screen.query(Notice)
        seeded = seed_conversation(runtime.store)
        await chat(app).open_session(seeded)
        await pilot.pause()
        notice = str(app.screen.query_one(Notice).render())
        assert "MIMO_API_KEY" in notice and "mimo-tui key set" in notice
        assert "mimo-tui --demo" in notice
        await chat(app).action_new_session()
        await pilot.pause()
        await send(pilot, "hello?")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [str(n.render()) for n in app.screen.query(Notice) if n.has_class("-error")]
        assert errors and "No API key" in errors[0]
        assert fake.chat_requests() == []
    runtime.close()


async def test_an_api_error_is_shown_and_f5_retries(settings, paths, fake):
    fake.queue("http_401", "thinking_text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [str(n.render()) for n in app.screen.query(Notice) if n.has_class("-error")]
        assert "401" in errors[0] and "mimo-tui key set" in errors[0]
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert replies(app)[-1].answer_text == "Hello world."
    runtime.close()


def test_after_switching_to_the_demo_with_f2_quitting_ends_cleanly(tmp_path):
    """No key, F2 (the offline demo), Ctrl+Q: exit 0 and no traceback. The window's first
    runtime was closed twice (by the switch and at exit), the demo's never."""
    from tests.conftest import cli_env
    from tests.pty_helpers import PtyApp

    with PtyApp([], cli_env(tmp_path, None), cols=100, rows=30) as app:
        app.wait_for_text("F2 tries the offline demo")
        app.write(b"\x1bOQ")  # F2
        app.wait_for_text("offline demo: no key needed")
        app.press("ctrl+q")
        assert app.wait_exit() == 0
        assert b"Traceback" not in app.output and b"ProgrammingError" not in app.output


async def test_without_a_key_f2_switches_to_the_offline_demo(settings, paths, fake):
    app, _ = make_app(replace(settings, api_key=None), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        await wait_until(
            pilot, lambda: app.runtime.settings.demo and isinstance(app.screen, ChatScreen)
        )
        assert "OFFLINE DEMO" in str(app.screen.query_one(StatusLine).render())
        await pilot.pause()
        assert "Offline demo" not in screen_lines(app)[-1]  # F2 is done: not offered again
        await send(pilot, "hello demo")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "offline demo" in replies(app)[-1].answer_text
        assert fake.chat_requests() == []  # the demo has its own simulator
    app.runtime.close()


def test_block_boundaries_never_split_a_code_fence():
    from mimo_tui.ui.widgets.message import _last_block_boundary

    text = "para one\n\n```python\nx = 1\n\ny = 2\n```\n\nafter\n"
    cut = _last_block_boundary(text)
    assert text[:cut].endswith("```\n\n") and text[cut:] == "after\n"
    assert _last_block_boundary("```\nopen fence\n\nstill code\n") == 0
    # A fence closes only with its own character, at least as long, and no info string:
    # a four-backtick block holding a three-backtick one is one block.
    nested = "````markdown\n```python\nx = 1\n```\n\nstill in\n````\n\nafter\n"
    assert nested[_last_block_boundary(nested) :] == "after\n"
    assert _last_block_boundary("~~~\n```\n\nstill code\n") == 0
    assert _last_block_boundary("```\n```python\n\nstill code\n") == 0


NESTED = (
    "Here is a README:\n\n````markdown\n# Title\n\n```python\nprint(1)\n```\n\n"
    "More text in the README.\n````\n\nSee [the docs][docs] for more.\n\n"
    "[docs]: https://example.com/docs\n"
)


async def test_a_streamed_reply_reads_as_the_same_reply_rendered_whole(settings, paths, fake):
    """Nested fences and a link whose definition comes in a later block: the reply that
    streamed in blocks, once final, is drawn as the whole Markdown renders (and so is the
    same message opened again)."""
    fake.queue(scenario("text", content=NESTED))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "readme")
        await wait_until(pilot, lambda: any(isinstance(r, StoredReply) for r in replies(app)))
        (reply,) = replies(app)
        width, style = reply.content_region.width, reply.rich_style
        whole = MarkdownBlocks([NESTED]).lines(app.console, width, style)
        drawn = plain(reply.build_lines(width))
        assert plain(whole) and "\n".join(plain(whole)) in "\n".join(drawn)
        assert "[docs]" not in "\n".join(drawn)  # the reference link resolved
    runtime.close()


async def test_a_long_reply_streams_with_finished_blocks_frozen(settings, paths, fake):
    """Finished blocks are frozen while the reply streams, only the unfinished one is
    rendered again; what was shown is exactly what arrived."""
    word = "abcdefghij" * 3 + " "
    long = "".join(f"Paragraph {n} " + word * 12 + "\n\n" for n in range(40))
    fake.queue(scenario("text", content=long, stall_after=200))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "long")

        def frozen() -> list[str]:
            if not replies(app) or not isinstance(replies(app)[0], AssistantMessage):
                return []
            return replies(app)[0].query_one(LiveAnswer).blocks.sources

        await wait_until(pilot, lambda: "".join(frozen()).count("Paragraph") >= 2)
        live = replies(app)[0]
        tail = live.query_one(LiveAnswer).source
        assert "\n\n" not in tail.strip()  # only the unfinished block is live
        answer = live.query_one(LiveAnswer)
        assert answer.size.height % LiveAnswer.GROW_BY == 0  # grows in steps: fewer layouts
        # what is on screen while streaming reads exactly as the final reply will
        width, style = answer.content_region.width, answer.rich_style
        live_lines = answer.build_lines(width)
        final = MarkdownBlocks(["".join(frozen()) + tail]).lines(app.console, width, style)
        assert plain(live_lines) == plain(final)
        assert long.startswith("".join(frozen()) + tail)  # frozen + live = what arrived
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        (reply,) = replies(app)
        stored = runtime.store.messages(app.screen.session_id)[1]
        assert long.startswith(stored.content) and reply.answer_text == stored.content
    runtime.close()


async def test_an_answer_out_of_sight_still_takes_what_streams_in(settings, paths, fake):
    """The answer takes new text when a frame draws it. At 100 columns the inspector (F3)
    covers the conversation, so nothing draws the answer: what arrives meanwhile must still
    reach it while the reply streams (here it stalls open after 60 chunks), not at its end."""
    fake.queue(scenario("text", content="word " * 200, delay_s=0.03, stall_after=60))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "go")
        await wait_until(pilot, lambda: bool(replies(app)) and replies(app)[0].answer_text != "")
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.screen.inspector.has_class("-full"))
        reply = replies(app)[0]
        answer = reply.query_one(LiveAnswer)
        hidden_at = len(reply.answer_text)

        def taken() -> str:
            return answer.blocks.text + answer.source

        await wait_until(pilot, lambda: len(taken()) > hidden_at)  # arrived while hidden
        await wait_until(pilot, lambda: taken() == reply.answer_text)  # ...all of it
        assert app.screen.busy  # still streaming: handed over while out of sight
        await pilot.press("escape", "escape")
        await app.workers.wait_for_complete()
    runtime.close()


async def test_a_firehose_stream_is_drawn_at_once_after_a_quiet_spell(settings, paths):
    """At a firehose pace (thousands of chunks a second) the answer is drawn ten times a
    second; a chunk that comes when the last draw is older than that is drawn in the next
    frame. The draw used to be scheduled with a zero delay then, which fails inside
    Textual's timer (ZeroDivisionError), so the text waited for the fallback instead."""
    import time

    from mimo_tui.model import Message
    from mimo_tui.stream_buffer import FIREHOSE_RATE

    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        reply = AssistantMessage(Message(role="assistant", status="streaming"))
        await app.screen.conversation.mount(reply)
        await reply.add_content("first ")  # an empty answer shows its first text at once
        reply._buffer.pace, reply._buffer._last_take = FIREHOSE_RATE * 10, time.monotonic() - 1.0
        await reply.add_content("second")
        assert not reply._draw_due  # no timer: drawn by the next frame
        answer = reply.query_one(LiveAnswer)
        await wait_until(pilot, lambda: answer.source == "first second")
    runtime.close()


async def test_a_key_pasted_into_the_message_is_flagged_before_sending(settings, paths, fake):
    from mimo_tui.ui.widgets.dialogs import Confirm

    fake.queue("text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, f"my key is {settings.api_key}, keep it")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "API key" in str(app.screen.query("Static").first().render())
        await pilot.press("n")
        await pilot.pause()
        assert fake.chat_requests() == [] and runtime.store.list_sessions()[0].message_count == 0
        assert settings.api_key in app.screen.query_one(PromptInput).text  # nothing lost
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await app.workers.wait_for_complete()
        assert len(fake.chat_requests()) == 1
    runtime.close()


async def test_full_garbage_collections_wait_for_the_reply_to_finish(settings, paths, fake):
    """A full collection walks everything a long reply has rendered: none may start while
    the reply streams; one runs once it has finished."""
    import gc

    from mimo_tui.gc_policy import NO_AUTOMATIC_FULL

    fake.queue(scenario("text", content="A paragraph of the answer.\n\n" * 50))
    full: list[bool] = []  # one entry per full collection: was a reply streaming?

    def watch(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(app.screen.busy if isinstance(app.screen, ChatScreen) else False)

    app, runtime = make_app(settings, paths)
    gc.callbacks.append(watch)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()  # the warm-up sets the collector up
            assert gc.get_threshold()[2] >= NO_AUTOMATIC_FULL
            full.clear()
            await send(pilot, "go")
            await wait_until(pilot, lambda: full != [])
            assert isinstance(replies(app)[0], StoredReply)
            assert full == [False]
    finally:
        gc.callbacks.remove(watch)
        runtime.close()


FIRST_FRAME_PROBE = """
import asyncio, sys
from mimo_tui.config import Paths, load_settings
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp

API_CODE = (
    "openai",
    "mimo_tui.engine",
    "mimo_tui.client",
    "mimo_tui.events",
    "mimo_tui.ui.widgets.message",
)
at_first_frame = {}

class Probe(MimoApp):
    def on_ready(self):
        at_first_frame.update({name: name in sys.modules for name in API_CODE})
        super().on_ready()

async def main():
    runtime = build_runtime(load_settings(Paths.default()), Paths.default())
    app = Probe(runtime, runtime.session().id)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the warm-up after the first frame
        warmed = {name: name in sys.modules for name in API_CODE}
    runtime.close()
    print(at_first_frame, warmed)

asyncio.run(main())
"""


def test_the_api_code_and_message_widgets_load_after_the_first_frame(tmp_path, fake):
    """The issue's rule: the API client (openai alone is ~0.4 s) loads after the first paint,
    in the warm-up, and the turn engine and its events with it; so do the message widgets,
    which a new chat does not show. A fresh interpreter shows what was loaded."""
    from tests.conftest import run_python

    names = (
        "openai",
        "mimo_tui.engine",
        "mimo_tui.client",
        "mimo_tui.events",
        "mimo_tui.ui.widgets.message",
    )
    off, on = ({n: False for n in names}, {n: True for n in names})
    assert run_python(FIRST_FRAME_PROBE, tmp_path, fake).strip() == f"{off} {on}"


async def test_escape_closes_the_inspector_first_then_stops_the_reply(settings, paths, fake):
    """One level per Escape, as the README says: the open panel, then the reply in flight."""
    from mimo_tui.ui.widgets.inspector import ToolInspector

    fake.queue(scenario("thinking_text", reasoning="step " * 30, stall_after=6))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(140, 40)) as pilot:  # wide: the inspector is a side panel
        await send(pilot, "think")
        await wait_until(pilot, lambda: bool(replies(app)) and replies(app)[0].has_reasoning)
        await pilot.press("f3")
        inspector = app.screen.query_one(ToolInspector)
        assert inspector.has_class("-open")
        await pilot.press("escape")
        await pilot.pause()
        assert not inspector.has_class("-open")  # the panel closed...
        assert app.screen.busy  # ...and the reply still streams
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.screen.busy
        assert replies(app)[0].message.status == "interrupted"
    runtime.close()


async def test_the_reasoning_title_counts_as_soon_as_the_answer_starts(settings, paths, fake):
    """Not `thinking… · 0.8 s` for the whole answer: once the answer starts the title says how
    long the reasoning took and about how many tokens it was (`~`), exact once usage comes."""
    import re

    reasoning, content = "step " * 30, "one two three four five six"
    n, m = len(split_tokens(reasoning)), len(split_tokens(content))
    # The fake's stream: a role chunk, n reasoning, m content, finish, usage, [DONE].
    fake.queue(
        scenario("thinking_text", reasoning=reasoning, content=content, stall_after=1 + n + 2),
        scenario("thinking_text", reasoning=reasoning, content=content, stall_after=1 + n + m + 2),
    )
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        for message, exact in (("estimated", False), ("exact", True)):
            count = f"{n}" if exact else f"~{n}"
            wanted = re.compile(rf"Reasoning · {count} tokens · \d+\.\d s")

            def title() -> str:
                reply = replies(app)[-1] if replies(app) else None
                live = isinstance(reply, AssistantMessage) and reply.reasoning is not None
                return str(reply.reasoning.title) if live else ""  # type: ignore[union-attr]

            await send(pilot, message)
            await wait_until(pilot, lambda w=wanted: bool(w.fullmatch(title())))
            observed = title()
            assert replies(app)[-1].message.status == "streaming"  # still answering
            assert "thinking…" not in observed
            await pilot.press("escape")
            await app.workers.wait_for_complete()
    runtime.close()
