"""Sessions in the chat screen: the list (open, rename, delete), search that jumps to the
message, copy, edit-and-resend that forks, regenerate, export and the usage report."""

from __future__ import annotations

import json

from textual import events
from textual.widgets import Input

from mimo_tui.fake.scenarios import scenario
from mimo_tui.fake.seed import seed_conversation
from mimo_tui.model import Message
from mimo_tui.text import visible
from mimo_tui.ui.sessions import STOP_FIRST
from mimo_tui.ui.widgets.dialogs import Confirm, EditText, TextPrompt
from mimo_tui.ui.widgets.message import UserMessage
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.search import SearchScreen
from mimo_tui.ui.widgets.session_list import SessionList
from mimo_tui.ui.widgets.stored_reply import StoredReply
from mimo_tui.ui.widgets.usage import UsageScreen
from tests.conftest import FROZEN
from tests.tui_helpers import (
    burst,
    chat,
    make_app,
    screen_lines,
    send,
    send_then_regenerate,
    wait_until,
)

SIZE = (120, 40)


async def two_sessions(settings, paths, fake):
    """A seeded session (with reasoning and a tool turn) plus a fresh one the app opens."""
    app, runtime = make_app(settings, paths)
    seeded = seed_conversation(runtime.store, tools=True)
    return app, runtime, seeded


async def list_at(pilot, session_id: str) -> SessionList:
    """F4, with `session_id` highlighted in the list."""
    await pilot.press("f4")
    panel = chat(pilot.app).query_one(SessionList)
    panel.options.highlighted = [s.id for s in panel.sessions].index(session_id)
    return panel


async def test_session_list_opens_a_session_and_marks_the_open_one(settings, paths, fake):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        panel = chat(app).query_one(SessionList)
        assert panel.has_class("-open") and not panel.has_class("-full")
        labels = [str(o.prompt) for o in panel.options.options]
        assert any("Show me a greeting function" in label and "6 msgs" in label for label in labels)
        panel.options.highlighted = [s.id for s in panel.sessions].index(seeded)
        await pilot.press("enter")
        await pilot.pause()
        assert chat(app).session_id == seeded and not panel.has_class("-open")
        assert len(chat(app).query(StoredReply)) == 3
        await pilot.press("f4")
        current = [str(o.prompt) for o in panel.options.options if "●" in str(o.prompt)]
        assert len(current) == 1 and "Show me a greeting" in current[0]
    runtime.close()


async def test_rename_and_delete_from_the_list(settings, paths, fake):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        panel = await list_at(pilot, seeded)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = "Greetings & time"
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: runtime.store.get_session(seeded).title == "Greetings & time"
        )
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")  # declined: nothing deleted
        await pilot.pause()
        assert runtime.store.get_session(seeded)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_until(pilot, lambda: seeded not in [s.id for s in panel.sessions])
    runtime.close()


async def test_the_open_session_is_not_deleted_while_its_reply_streams(settings, paths, fake):
    """Deleting the session a reply is streaming into would pull the rows from under the
    turn: the list asks to stop the reply first and keeps session and reply; another
    session may still be deleted."""
    fake.queue(scenario("text", stall_after=2))
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = chat(app)
        await send(pilot, "hi")
        await wait_until(pilot, lambda: screen.busy)
        open_id = screen.session_id
        await pilot.press("f4")
        panel = screen.query_one(SessionList)
        panel.options.highlighted = [s.id for s in panel.sessions].index(open_id)
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, Confirm)
        assert "Stop the reply first (Escape)." in [str(n.message) for n in app._notifications]
        assert runtime.store.get_session(open_id) and screen.busy
        panel.options.highlighted = [s.id for s in panel.sessions].index(seeded)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_until(pilot, lambda: seeded not in [s.id for s in panel.sessions])
        assert screen.busy and screen.session_id == open_id
    runtime.close()


async def test_session_list_is_full_screen_when_narrow(settings, paths, fake):
    app, runtime, _ = await two_sessions(settings, paths, fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        assert chat(app).query_one(SessionList).has_class("-full")
        assert not chat(app).query_one("#conversation").display
        await pilot.press("escape")
        assert chat(app).query_one("#conversation").display
    runtime.close()


async def search_for(pilot, query: str, hits: int | None = None) -> None:
    """Ctrl+F, then `query` typed in; returns once it lists `hits` hits (None: some)."""
    await pilot.press("ctrl+f")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
    pilot.app.screen.query_one(Input).value = query

    def listed() -> bool:
        count = len(pilot.app.screen.hits)
        return count > 0 if hits is None else count == hits

    await wait_until(pilot, listed)


async def test_search_finds_reasoning_and_opens_the_session_at_that_message(settings, paths, fake):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    target = next(
        m for m in runtime.store.messages(seeded) if "Beijing uses CST" in m.reasoning_content
    )
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "Beijing uses")
        assert "Beijing uses" in str(app.screen.query_one("#hits").options[0].prompt)
        await pilot.press("enter")
        await wait_until(pilot, lambda: chat(app).session_id == seeded)
        await pilot.pause()
        assert isinstance(app.focused, StoredReply) and app.focused.message.id == target.id
    runtime.close()


async def test_search_hits_read_as_words_not_markdown(settings, paths, fake):
    """A hit in a reply written in Markdown lists its words, without `#`, `**` or backticks."""
    fake.queue(scenario("text", content="## Setup\n\nRun **pip install** then `mimo-tui --demo`."))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "how do I install it?")
        await app.workers.wait_for_complete()
        await search_for(pilot, "install", 2)
        labels = [str(o.prompt) for o in app.screen.query_one("#hits").options]
        reply = next(label for label in labels if "assistant" in label)
        assert "Setup Run pip install then" in reply and "**" not in reply
    runtime.close()


async def test_search_hits_say_when_each_message_was_written(settings, paths, fake):
    """Two hits from one session share its title and role: the label tells them apart by
    the message's date, counted from the app's clock."""
    app, runtime = make_app(settings, paths)
    now = FROZEN.timestamp()
    session = runtime.store.create_session(settings.model)
    for text, age in (("cats, once", 2 * 86400), ("cats, again", 3 * 3600)):
        runtime.store.add_message(session.id, Message("user", text, created_at=now - age))
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "cats", 2)
        labels = [str(o.prompt).split("\n")[0] for o in app.screen.query_one("#hits").options]
        assert labels == ["cats, once · user · 3 h ago", "cats, once · user · Sun"]
    runtime.close()


async def test_a_hit_in_a_replaced_reply_says_it_is_on_another_branch(settings, paths, fake):
    """After Ctrl+G both versions of the answer match: the one the chat no longer shows is
    marked, so the two are not listed alike (`sessions search` says it too)."""
    fake.queue("thinking_text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send_then_regenerate(pilot)
        await search_for(pilot, "Hello", 2)
        labels = [str(o.prompt).split("\n") for o in app.screen.query_one("#hits").options]
        by_text = {snippet: title for title, snippet in labels}
        active = next(t for s, t in by_text.items() if "MiMo" in s)
        replaced = next(t for s, t in by_text.items() if "world" in s)
        assert "another branch" not in active and replaced.endswith(" · another branch")
    hits = runtime.store.search("Hello")
    assert [h.on_path for h in hits] == [True, False]  # newest (the active reply) first
    runtime.close()


async def test_down_then_enter_in_search_opens_the_first_hit(settings, paths, fake):
    """The search's hint says "↓ to the results · Enter opens": ↓ lands on the first hit,
    so Enter opens it at once (it used to land on no hit, and Enter did nothing)."""
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "Beijing uses")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: chat(app).session_id == seeded)
    runtime.close()


async def test_copy_a_message_and_the_last_answer(settings, paths, fake):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await chat(app).open_session(seeded)
        chat(app).query(UserMessage).first().focus()
        await pilot.press("c")
        assert app.clipboard == "Show me a greeting function in Python."
        await pilot.press("ctrl+y")
        assert app.clipboard.startswith("It is **09:30**")
    runtime.close()


async def test_a_copied_answer_carries_no_control_characters(settings, paths, fake):
    """What is copied is pasted into shells: a reply's ESC[201~ would end a bracketed paste
    early (the lines after it run), a bidi override disguises a command. Ctrl+Y and `c`
    copy the answer as it is shown, as the code-block copy already did."""
    hostile = "Run:\n\n    ls -la\x1b[201~\n    touch /tmp/PWNED\n\n\u202eevil\x1b]0;T\x07 done"
    fake.queue(scenario("text", content=hostile))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        for keys in (("ctrl+y",), ("up", "c")):
            app.copy_to_clipboard("")
            await pilot.press(*keys)
            copied = app.clipboard
            assert "ls -la" in copied and "touch /tmp/PWNED" in copied and "done" in copied
            assert not any(c in copied for c in "\x1b\x07\u202e"), (keys, copied)
            assert visible(copied) == copied
    runtime.close()


async def test_edit_and_resend_branches_in_the_same_session_and_keeps_the_original(
    settings, paths, fake
):
    fake.queue("text")
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    store = runtime.store
    before = store.messages(seeded)
    sessions = len(store.list_sessions())
    async with app.run_test(size=SIZE) as pilot:
        await chat(app).open_session(seeded)
        list(chat(app).query(UserMessage))[1].focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditText))
        app.screen.query_one("TextArea").text = "What time is it in Tokyo?"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert chat(app).session_id == seeded  # no new session: a branch of this one
        assert "What time is it in Tokyo?" in "\n".join(screen_lines(app))
        # The edited question was re-read from the store: the focus is on the input, as
        # after any send, so the next question can be typed (it used to be on nothing).
        await pilot.press(*"and Osaka?")
        assert chat(app).query_one(PromptInput).text == "and Osaka?"
    assert len(store.list_sessions()) == sessions
    path = store.messages(seeded)
    assert [m.content for m in path[:2]] == [m.content for m in before[:2]]
    assert path[2].content == "What time is it in Tokyo?"
    assert path[2].parent_id == before[2].parent_id == before[1].id  # a sibling of the edited
    everything = store.messages(seeded, branches=True)
    assert {m.id for m in before} <= {m.id for m in everything}  # the original branch is kept
    sent = fake.chat_requests()[0].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[-1]["content"] == "What time is it in Tokyo?"
    runtime.close()


async def test_the_editor_opens_with_the_cursor_after_the_text(settings, paths, fake):
    """`e` on a question, then typing: what is typed goes on from the end of the message,
    as in any editor of one's own message (it went in before the first character)."""
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await chat(app).open_session(seeded)
        message = list(chat(app).query(UserMessage))[1]
        message.focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditText))
        area = app.screen.query_one("TextArea")
        await wait_until(pilot, lambda: area.has_focus)
        await pilot.press("X", "Y", "Z")
        assert area.text == message.message.content + "XYZ"
    runtime.close()


async def test_keys_typed_right_after_e_go_into_the_editor_not_the_message(settings, paths, fake):
    """`e` then "ce" in one burst: before, the `c` copied the message below the editor on
    its way and the second `e` opened a second editor over the first."""
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await chat(app).open_session(seeded)
        message = list(chat(app).query(UserMessage))[1]
        message.focus()
        await pilot.pause()
        before = app.clipboard
        burst(app, "ce", first="e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditText))
        area = app.screen.query_one("TextArea")
        await wait_until(pilot, lambda: area.text == message.message.content + "ce")
        await pilot.pause()
        assert app.clipboard == before  # nothing copied
        assert len(app.screen_stack) == 2  # one editor
        await pilot.press("z")  # and once it has the focus, each key and paste goes in once
        app.post_message(events.Paste("P"))  # as the terminal delivers it
        await wait_until(pilot, lambda: area.text.endswith("cezP"))
        await pilot.pause()
        assert area.text == message.message.content + "cezP"
    runtime.close()


async def test_ctrl_up_then_typing_edits_the_last_message_in_the_editor(settings, paths, fake):
    """Ctrl+Up then "x" and a paste in one burst: they go into the editor, not the chat's
    draft."""
    from mimo_tui.ui.widgets.prompt_input import PromptInput

    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await chat(app).open_session(seeded)
        last = list(chat(app).query(UserMessage))[-1].message.content
        await pilot.pause()
        burst(app, "x", first="ctrl+up")
        app.post_message(events.Paste("Y"))
        await wait_until(pilot, lambda: isinstance(app.screen, EditText))
        area = app.screen.query_one("TextArea")
        await wait_until(pilot, lambda: area.text == last + "xY")
        assert chat(app).query_one(PromptInput).text == ""
    runtime.close()


async def test_e_while_a_reply_streams_says_why_no_editor_opens(settings, paths, fake):
    """Editing forks the session under the reply in flight: it waits, and says so."""
    fake.queue(scenario("text", stall_after=2))
    app, runtime, _ = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = chat(app)
        await send(pilot, "hi")
        await wait_until(pilot, lambda: screen.busy)
        screen.query(UserMessage).first().focus()
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, EditText)
        assert STOP_FIRST in [str(n.message) for n in app._notifications]
        await pilot.press("ctrl+up")
        await pilot.pause()
        assert not isinstance(app.screen, EditText)
    runtime.close()


async def test_regenerate_replaces_the_last_reply_and_keeps_the_old_one(settings, paths, fake):
    fake.queue("thinking_text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send_then_regenerate(pilot)
        await pilot.pause()
        replies = list(chat(app).query("AssistantMessage, StoredReply"))
        assert len(replies) == 1
        assert replies[0].answer_text.startswith("Hello! I'm MiMo")
        stored = runtime.store.messages(chat(app).session_id, branches=True)
        assert [m.status for m in stored] == ["complete", "complete", "complete"]
        assert [m.on_path for m in stored] == [True, False, True]  # the old one a branch
        assert stored[1].parent_id == stored[2].parent_id == stored[0].id
        assert [m["role"] for m in fake.chat_requests()[1].body["messages"]] == ["system", "user"]
    runtime.close()


async def test_g_on_a_reply_regenerates_it_and_leaves_the_focus_on_the_input(settings, paths, fake):
    """The reply `g` was pressed on is replaced: the focus goes to the input, where the
    next question is typed, not to nothing."""
    fake.queue("thinking_text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        await pilot.press("up")
        assert isinstance(app.focused, StoredReply)
        await pilot.press("g")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 2)
        await app.workers.wait_for_complete()
        await pilot.press(*"thanks")
        assert chat(app).query_one(PromptInput).text == "thanks"
    runtime.close()


async def test_importing_a_file_that_asks_for_tools_says_they_stay_off(
    settings, paths, fake, tmp_path
):
    """The palette's import opens the session and says what the file brought: tools it
    asked for are not turned on, its system prompt is there to see in Settings."""
    doc = {
        "format": "mimo-tui.session",
        "version": 1,
        "session": {"settings": {"tools": ["read_file"], "system_prompt": "Be terse."}},
        "messages": [{"role": "user", "content": "hi"}],
    }
    (tmp_path / "sent.json").write_text(json.dumps(doc))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        chat(app).action_import()
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = str(tmp_path / "sent.json")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app._notifications))
        said = " ".join(str(n.message) for n in app._notifications)
        assert "Imported as session" in said and "tools (read_file)" in said
        assert "not turned on" in said and "own system prompt (9 characters)" in said
        assert runtime.toolbox.selected == []
    runtime.close()


async def test_export_from_the_palette_action_and_the_usage_screen(settings, paths, fake, tmp_path):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await chat(app).open_session(seeded)
        chat(app).export_session("json")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        out = tmp_path / "out.json"
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await wait_until(pilot, out.exists)
        assert json.loads(out.read_text())["session"]["id"] == seeded
        chat(app).action_usage()
        await wait_until(pilot, lambda: isinstance(app.screen, UsageScreen))
        await pilot.pause()
        table = app.screen.query_one("DataTable")
        assert table.row_count == 2  # one day and model, and the total
        assert str(table.get_row_at(1)[2]) == "3"
        assert [str(c.label) for c in table.columns.values()][4:6] == ["cached", "hit"]
        assert str(table.get_row_at(1)[8]).startswith("≤0.00")  # ¥, the cache not reported
    runtime.close()


async def test_a_markdown_export_says_which_attachment_it_did_not_copy(
    settings, paths, fake, tmp_path
):
    """A symlinked `chat.files` receives nothing; the toast says the export was written and
    which attachment was not copied, and why."""
    from mimo_tui import attachments
    from tests.media_helpers import png

    app, runtime = make_app(settings, paths)
    sid = seed_conversation(runtime.store)
    image, data = attachments.from_bytes(png(4, 3), "car.png")
    runtime.store.blobs.put(image.sha256, data)
    runtime.store.add_message(sid, Message("user", "and this?", attachments=(image,)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "chat.files").symlink_to(elsewhere)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat(app).open_session(sid)
        chat(app).export_session("md")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = str(tmp_path / "chat.md")
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("Exported" in n.message for n in app._notifications))
        (toast,) = [n for n in app._notifications if "Exported" in n.message]
        assert toast.message == (
            f"Exported to {tmp_path / 'chat.md'}\nattachment car.png not written: "
            "chat.files is a symbolic link; nothing is written through it"
        )
        assert toast.severity == "warning" and list(elsewhere.iterdir()) == []
    runtime.close()


async def test_a_long_session_opens_a_page_and_pages_in_older_messages(settings, paths, fake):
    """The newest turns that fill the screen open as widgets, the rest of the newest page as
    rows above them; reaching the top adds the page before it to the rows (no more widgets
    mounted), starting at the right message."""
    from benchmarks.common import seed_long_session
    from mimo_tui.ui.widgets.conversation import PAGE, ROWS_PAGE
    from mimo_tui.ui.widgets.notices import EarlierNotice

    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 300)
    total = len(runtime.store.messages(sid))
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        assert not screen.query(EarlierNotice)  # a new chat has no history to count
        await screen.open_session(sid)
        await pilot.pause()
        shown = "UserMessage, StoredReply, ToolCallLine"
        widgets = len(screen.query(shown))
        rows = screen.conversation.rows
        assert rows is not None and 0 < widgets < PAGE  # a screenful of a 12-message page
        assert len(rows.rows) + widgets == PAGE  # the rest of it waits as rows
        assert screen.conversation.region.height < sum(
            w.outer_size.height for w in screen.query(shown)
        )
        notice = screen.query_one(EarlierNotice)
        assert notice.display
        assert screen.conversation.children[0] is notice  # above the messages
        screen.conversation.scroll_home(animate=False)  # reaching the top pages in more
        await wait_until(pilot, lambda: len(rows.rows) >= PAGE - widgets + ROWS_PAGE)
        assert len(screen.query(shown)) == widgets  # no widget more
        assert notice.display and screen.conversation.children[1] is rows
        expected = runtime.store.messages(sid)[total - PAGE - ROWS_PAGE]  # a read for rows
        assert rows.first_id == expected.id
        fake.queue("text")
        await send(pilot, "one more")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # sending follows the bottom and lets far history go back to the store
        assert len(screen.query(shown)) <= 2 * PAGE + 2
    runtime.close()


async def test_reading_far_back_mounts_no_widgets_and_up_mounts_the_rows_above(
    settings, paths, fake
):
    """Paging up through 600 messages adds rows only (the widgets stay the newest page);
    rows and widgets together are the session in order, down to its first message; Up on
    the first widget mounts the newest rows as widgets and focuses the one above; sending
    still shows the newest."""
    from benchmarks.common import seed_long_session
    from mimo_tui.ui.widgets.conversation import shown_in_chat

    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    stored = shown_in_chat(runtime.store.messages(sid))

    def shown_ids(screen) -> list[int]:
        ids = []
        for widget in screen.query("UserMessage, StoredReply, ToolCallLine"):
            if hasattr(widget, "record"):
                ids.append(next(m.id for m in stored if m.tool_call_id == widget.record.call_id))
            else:
                ids.append(widget.message.id)
        return ids

    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        conv = screen.conversation
        opened = len(shown_ids(screen))  # the newest turns that fill the screen
        while await conv.load_earlier():
            await pilot.pause()
            assert len(shown_ids(screen)) == opened
        rows = conv.rows
        assert [m.id for m in rows.rows] + shown_ids(screen) == [m.id for m in stored]
        first = screen.query(UserMessage).first()
        first.focus()
        await pilot.pause()
        await pilot.press("up")
        await pilot.pause()
        widgets = shown_ids(screen)
        assert len(widgets) > opened  # the newest rows came down as widgets
        assert [m.id for m in rows.rows] + widgets == [m.id for m in stored]
        above = stored[stored.index(next(m for m in stored if m.id == first.message.id)) - 1]
        focused = app.focused
        assert focused is not None and focused is not first
        got = focused.record.call_id if hasattr(focused, "record") else focused.message.id
        assert got == (above.tool_call_id if above.role == "tool" else above.id)
        fake.queue("text")
        await send(pilot, "back to the present")
        await app.workers.wait_for_complete()
        await pilot.pause()
        ids = shown_ids(screen)
        newest = runtime.store.messages(sid)
        assert ids[-1] == newest[-1].id
    runtime.close()


async def test_a_search_hit_far_back_in_a_long_session_opens_at_that_message(settings, paths, fake):
    from benchmarks.common import seed_long_session

    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    target = runtime.store.messages(sid)[30]  # some 570 messages before the newest
    assert target.role == "user"
    target.content = "Where is the zebracorn?"
    runtime.store.update_message(target)
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "zebracorn")
        await pilot.press("enter")
        await wait_until(pilot, lambda: chat(app).session_id == sid)
        await pilot.pause()
        assert isinstance(app.focused, UserMessage) and app.focused.message.id == target.id
        assert app.focused.region.height > 0  # on screen
    runtime.close()


async def test_search_hit_in_a_tool_result_opens_the_reply_that_made_the_call(
    settings, paths, fake
):
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    stored = runtime.store.messages(seeded)
    result = next(m for m in stored if m.role == "tool")
    caller = [m for m in stored if m.role == "assistant" and (m.id or 0) < (result.id or 0)][-1]
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "2026-05-12T09:30:00")
        assert app.screen.hits[0].message_id == result.id
        await pilot.press("enter")
        await wait_until(pilot, lambda: chat(app).session_id == seeded)
        await pilot.pause()
        assert isinstance(app.focused, StoredReply) and app.focused.message.id == caller.id
    runtime.close()


async def test_the_narrow_list_keeps_each_date_on_its_titles_line_as_focus_comes_and_goes(
    settings, paths
):
    """At 80 columns the list takes the screen, two lines a session. Filled while it had
    no focus and then focused (a refresh after a reply, a click back into it), its labels
    still fit: a title's date never wraps onto a line of its own."""
    from mimo_tui.fake.seed import seed_history

    app, runtime = make_app(settings, paths)
    seed_history(runtime.store, runtime.store.clock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = chat(app)
        options = screen.query_one(SessionList).options
        for focused in (False, True, False):
            if focused:
                options.focus()
            else:
                screen.focus_input()
                await pilot.pause()
                screen.sessions.refresh_sessions()
            await pilot.pause()
            lines = screen_lines(app)
            title = next(line for line in lines if "Refactor the store's paging" in line)
            date = title.rstrip(" ▎").split("one query")[1].strip()
            assert date, (focused, title)  # the date is on the title's line
            assert not any(line.strip(" ▊▎") in ("ago", "now") for line in lines), focused
    runtime.close()


async def test_a_title_typed_right_after_r_goes_into_the_rename_box(settings, paths, fake):
    """`r` then "My day" in one burst: before, the letters reached the list while the dialog
    was on its way, and the `d` of "day" opened a delete confirmation."""
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await list_at(pilot, seeded)
        burst(app, "rMy day")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        box = app.screen.query_one(Input)
        await wait_until(pilot, lambda: box.value == "My day")
        await pilot.press("enter")
        await wait_until(pilot, lambda: runtime.store.get_session(seeded).title == "My day")
        assert not isinstance(app.screen, (Confirm, TextPrompt))
        assert len(runtime.store.list_sessions()) == 2
    runtime.close()


async def test_keys_typed_right_after_d_do_not_answer_the_delete_question(settings, paths, fake):
    """`d` then `y` in one burst: the `y` was typed before the question was on screen, so it
    answers nothing (and acts on nothing below); the question waits for a real answer."""
    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        panel = await list_at(pilot, seeded)
        burst(app, "dynr")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and len(app.screen_stack) == 2
        assert runtime.store.get_session(seeded)
        assert len(runtime.store.list_sessions()) == 2  # no `n`ew session either
        await pilot.press("y")
        await wait_until(pilot, lambda: seeded not in [s.id for s in panel.sessions])
    runtime.close()


async def test_a_query_typed_straight_after_ctrl_f_goes_into_the_search(settings, paths, fake):
    """Ctrl+F then "greeting" in one burst: the query, not the chat input's draft."""

    from mimo_tui.ui.widgets.prompt_input import PromptInput

    app, runtime, seeded = await two_sessions(settings, paths, fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "greeting", first="ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        query = app.screen.query_one("#query", Input)
        await wait_until(pilot, lambda: query.value == "greeting")
        await wait_until(pilot, lambda: bool(app.screen.hits))
        assert chat(app).query_one(PromptInput).text == ""
        await pilot.press("enter")
        await wait_until(pilot, lambda: chat(app).session_id == seeded)
    runtime.close()
