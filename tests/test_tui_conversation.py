"""The conversation column on a long session: Home/End jumps, far-back search hits, focus
stepping, folding and messages upward (Pilot)."""

from __future__ import annotations

from benchmarks.common import seed_long_session
from mimo_tui.fake.scenarios import scenario, split_tokens
from mimo_tui.ui.widgets.conversation import PAGE, Conversation
from mimo_tui.ui.widgets.conversation_items import Reply
from mimo_tui.ui.widgets.message import AssistantMessage, UserMessage
from mimo_tui.ui.widgets.notices import EarlierNotice, LaterNotice
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.tui_helpers import chat, make_app, screen_lines, send, wait_until

SIZE = (120, 40)
SHOWN = "UserMessage, StoredReply, ToolCallLine"


async def test_home_jumps_to_the_first_message_and_end_back_to_the_newest(settings, paths):
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 2000)
    stored = runtime.store.messages(sid)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await pilot.pause()
        assert len(screen.query(SHOWN)) <= PAGE
        await pilot.press("ctrl+home")  # from the input
        await wait_until(
            pilot, lambda: screen.query(UserMessage).first().message.id == stored[0].id
        )
        first = screen.query(UserMessage).first()
        assert "Question number 0:" in str(first.render())
        assert screen.focused is first  # the start of the session, focused
        assert not screen.query_one(EarlierNotice).display
        assert screen.query_one(LaterNotice).display
        await pilot.press("end")  # Home/End on a focused message
        await wait_until(pilot, lambda: not screen.query_one(LaterNotice).display)
        newest = [w for w in screen.query(SHOWN) if getattr(w, "message", None)]
        assert newest[-1].message.id == stored[-1].id
        await pilot.press("home")  # the focus is still in the column
        await wait_until(
            pilot, lambda: screen.query(UserMessage).first().message.id == stored[0].id
        )
    runtime.close()


async def test_a_search_hit_far_back_opens_its_page_and_focuses_it(settings, paths):
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 2000)
    target = next(m for m in runtime.store.messages(sid) if "Question number 300:" in m.content)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid, at_message=target.id)
        await pilot.pause()
        assert isinstance(screen.focused, UserMessage)
        assert screen.focused.message.id == target.id
        assert screen.query_one(EarlierNotice).display and screen.query_one(LaterNotice).display
    runtime.close()


async def test_up_and_down_step_through_messages_and_past_the_last_to_the_input(settings, paths):
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 30)
    focused: list[object] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await pilot.pause()
        original = screen.conversation.post_message

        def spy(message):
            if isinstance(message, Conversation.MessageFocused):
                focused.append(message.message)
            return original(message)

        screen.conversation.post_message = spy  # type: ignore[method-assign]
        await pilot.press("up")  # from the input: the newest message
        items = screen.conversation.items()
        assert screen.focused is items[-1]
        await pilot.press("up")
        assert screen.focused is items[-2]
        await pilot.pause()
        assert focused and focused[-1] is getattr(items[-2], "message", None)
        await pilot.press("down", "down")
        assert isinstance(screen.focused, PromptInput)
    runtime.close()


async def test_enter_on_a_stored_reply_unfolds_its_reasoning_and_folds_it_again(settings, paths):
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 30)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await pilot.pause()
        reply = next(r for r in screen.query(StoredReply) if r.has_reasoning)
        reply.focus()
        await pilot.press("enter")
        assert reply.reasoning_open
        await pilot.pause()
        reply.scroll_visible(animate=False, top=True)
        await pilot.pause()
        assert any("▼ Reasoning" in line for line in screen_lines(app))
        await pilot.press("enter")
        assert not reply.reasoning_open
        await pilot.pause()
        assert not any("▼ Reasoning" in line for line in screen_lines(app))
    runtime.close()


async def test_ctrl_o_opens_the_reasoning_of_stored_and_live_replies_alike(settings, paths, fake):
    """A resumed session with a reply streaming: the stored replies and the live one are
    all Replies, so Ctrl+O unfolds every reasoning shown, then folds them all."""
    reasoning = "step " * 10
    stall = 1 + len(split_tokens(reasoning)) + 2  # role, the reasoning, two answer chunks
    fake.queue(
        scenario(
            "thinking_text", reasoning=reasoning, content="one two three four", stall_after=stall
        )
    )
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 30)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await send(pilot, "and now?")

        def live() -> list[AssistantMessage]:
            return [r for r in screen.query(Reply) if isinstance(r, AssistantMessage)]

        await wait_until(pilot, lambda: bool(live()) and live()[0].has_reasoning)
        shown = list(screen.query(Reply))
        assert {type(r).__name__ for r in shown} == {"StoredReply", "AssistantMessage"}
        with_reasoning = [r for r in shown if r.has_reasoning]
        assert not all(r.reasoning_open for r in with_reasoning)
        await pilot.press("ctrl+o")
        assert all(r.reasoning_open for r in with_reasoning)
        assert not live()[0].reasoning.collapsed
        await pilot.press("ctrl+o")
        assert not any(r.reasoning_open for r in with_reasoning)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
    runtime.close()


async def test_dragging_over_a_stored_reply_selects_its_text(settings, paths):
    """The line-drawn reply offers Textual's selection: a mouse drag selects what it covers,
    drawn in the selection style, and select-all takes the whole reply as shown."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 4)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await pilot.pause()
        reply = screen.query(StoredReply).last()
        lines = reply.selection_text().splitlines()
        row = next(i for i, line in enumerate(lines) if "Here is what I found" in line)
        line = lines[row]
        start = line.index("Here")
        await pilot.mouse_down(reply, offset=(start + 1, row))  # +1: the reply's padding
        await pilot.hover(reply, offset=(start + 7, row))
        await pilot.mouse_up(reply, offset=(start + 7, row))
        await pilot.pause()
        assert screen.get_selected_text() == "Here is"
        reply.text_select_all()
        await pilot.pause()
        selected = screen.get_selected_text() or ""
        assert "Here is what I found" in selected and "def step_" in selected
    runtime.close()


def _import(store, count: int) -> str:
    from mimo_tui.model import Message

    batch = [
        Message("user" if n % 2 == 0 else "assistant", f"Message number {n}.") for n in range(count)
    ]
    return store.import_session("Exactly a page", "mimo-v2.5-pro", {}, batch).id


def _more(screen, kind) -> bool:
    return any(w.display for w in screen.query(kind))


async def test_a_session_of_exactly_a_page_says_there_is_nothing_more(settings, paths):
    """Whether there is more is read, not guessed from a full page: a session of exactly
    one page offers no earlier messages, nor newer ones at its start (Home)."""
    app, runtime = make_app(settings, paths)
    exact = _import(runtime.store, PAGE)
    longer = _import(runtime.store, PAGE + 1)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(exact)
        await pilot.pause()
        assert not _more(screen, EarlierNotice)
        assert not await screen.conversation.load_earlier()
        await screen.conversation.jump_to_start()
        await pilot.pause()
        assert not _more(screen, LaterNotice) and not _more(screen, EarlierNotice)
        assert "Message number 0." in "\n".join(screen_lines(app))
        await screen.open_session(longer)
        await pilot.pause()
        assert not await screen.conversation.load_later()
        assert await screen.conversation.load_earlier()  # the one message before the page
        assert runtime.store.messages(longer)[0].id == screen.conversation._first
    runtime.close()
