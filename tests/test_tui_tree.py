"""The conversation tree in the TUI: Ctrl+L (or the palette) lists each branch point with
its alternatives, the active path marked; picking another branch reloads the conversation on
it, and the next message replays exactly that path (as the strict fake received it)."""

from __future__ import annotations

from mimo_tui.fake.seed import seed_branches
from mimo_tui.model import Message
from mimo_tui.ui.widgets.branch_tree import NONE, BranchTree
from tests.tui_helpers import chat, make_app, screen_lines, send, wait_until

SIZE = (110, 36)
FIRST = "Hello world."  # the "thinking_text" scenario's answer
SECOND = "Hello! I'm MiMo, Xiaomi's AI assistant."  # the "text" scenario's


def shown(app) -> str:
    return "\n".join(screen_lines(app))


async def _regenerated(pilot, app) -> None:
    await send(pilot, "hi")
    await app.workers.wait_for_complete()
    await pilot.press("ctrl+g")
    await app.workers.wait_for_complete()
    await wait_until(pilot, lambda: SECOND in shown(app))


async def test_ctrl_l_switches_to_the_older_reply_and_the_next_turn_replays_it(
    settings, paths, fake
):
    fake.queue("thinking_text", "text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await _regenerated(pilot, app)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, BranchTree))
        text = shown(app)
        assert "Branch point 1 · after you: hi" in text
        assert f"○ reply: {FIRST}" in text and f"● reply: {SECOND}" in text
        await pilot.press("enter")  # the first alternative is highlighted: the older reply
        await wait_until(pilot, lambda: not isinstance(app.screen, BranchTree))
        await wait_until(pilot, lambda: FIRST in shown(app))
        assert SECOND not in shown(app)
        await send(pilot, "and then?")
        await app.workers.wait_for_complete()
    sent = fake.chat_requests()[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == [FIRST]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["hi", "and then?"]
    runtime.close()


async def test_clicking_switch_to_branch_and_close(settings, paths, fake):
    fake.queue("thinking_text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await _regenerated(pilot, app)
        sid = chat(app).session_id
        chat(app).action_conversation_tree()
        await wait_until(pilot, lambda: isinstance(app.screen, BranchTree))
        await pilot.pause()
        assert await pilot.click("#close")
        await wait_until(pilot, lambda: not isinstance(app.screen, BranchTree))
        assert SECOND in shown(app)  # nothing switched
        chat(app).action_conversation_tree()
        await wait_until(pilot, lambda: isinstance(app.screen, BranchTree))
        await pilot.pause()
        assert await pilot.click("#switch")
        await wait_until(pilot, lambda: FIRST in shown(app))
        assert [m.content for m in runtime.store.messages(sid)][-1] == FIRST
    runtime.close()


async def test_a_session_without_branches_says_how_to_make_one(settings, paths, fake):
    fake.queue("text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, BranchTree))
        assert NONE.split(":")[0] in shown(app)
        await pilot.pause()
        assert await pilot.click("#switch")  # nothing to switch to: it just closes
        await wait_until(pilot, lambda: not isinstance(app.screen, BranchTree))
    runtime.close()


async def test_the_palette_offers_the_tree_and_its_key_is_rebindable(settings, paths, fake):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(chat(app))]
        assert "Conversation tree" in titles
        from mimo_tui.ui.keymap_check import binding_ids

        assert "chat.tree" in binding_ids()
    runtime.close()


async def test_branch_labels_from_the_store_go_through_the_sanitizer(settings, paths, fake):
    app, runtime = make_app(settings, paths)
    sid = seed_branches(runtime.store)
    store = runtime.store
    store.add_message(sid, Message("user", "x"))
    store.branch_from(sid, store.messages(sid)[-1].parent_id)  # an edit of that message
    store.add_message(sid, Message("user", "evil \x1b[31m[b]markup[/b]"))
    async with app.run_test(size=SIZE) as pilot:
        await chat(app).open_session(sid)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, BranchTree))
        text = shown(app)
        assert "[b]markup[/b]" in text and "\x1b" not in text
        assert "Branch point 3" in text
    runtime.close()


async def test_a_search_hit_on_another_branch_switches_to_it(settings, paths, fake):
    from textual.widgets import Input

    from mimo_tui.ui.widgets.search import SearchScreen
    from mimo_tui.ui.widgets.stored_reply import StoredReply

    app, runtime = make_app(settings, paths)
    sid = seed_branches(runtime.store)  # the regenerated "cannot see a clock" reply is off the path
    async with app.run_test(size=SIZE) as pilot:
        await chat(app).open_session(sid)
        assert "cannot see a clock" not in shown(app)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        app.screen.query_one(Input).value = "cannot see a clock"
        await wait_until(pilot, lambda: bool(app.screen.hits))
        await pilot.press("enter")
        await wait_until(pilot, lambda: "cannot see a clock" in shown(app))
        await pilot.pause()
        assert isinstance(app.focused, StoredReply)
        assert "cannot see a clock" in app.focused.message.content
        assert runtime.store.messages(sid)[-1].content.startswith("I cannot see a clock")
    runtime.close()
