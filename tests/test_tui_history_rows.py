"""Older history drawn as rows of lines (HistoryRows): what scrolling far back shows, text
selection with the mouse over it, folding a row's reasoning with a click, the compaction
marker among the rows."""

from __future__ import annotations

import pytest

from benchmarks.common import seed_long_session
from mimo_tui.fake.scenarios import scenario
from mimo_tui.model import Message, Usage
from mimo_tui.ui.chat import ChatScreen
from mimo_tui.ui.widgets.conversation_items import last_code_block
from mimo_tui.ui.widgets.history_rows import HistoryRows
from mimo_tui.ui.widgets.row_heights import screenful_start
from tests.tui_helpers import chat, make_app, screen_lines, send, wait_until

SIZE = (120, 40)


async def at_the_top(pilot, screen: ChatScreen) -> HistoryRows:
    """Page up to the very first message, as scrolling up does, and show the top."""
    conv = screen.conversation
    while await conv.load_earlier():
        pass
    await pilot.pause()
    conv.scroll_home(animate=False)
    await pilot.pause()
    await pilot.pause()
    rows = conv.rows
    assert rows is not None
    return rows


def row_line(rows: HistoryRows, text: str) -> int:
    """The widget line of rows that shows `text` (drawn as the user sees it)."""
    return next(y for y in range(30) if text in rows.render_line(y).text)


async def test_the_top_of_a_long_session_is_drawn_from_rows_without_its_widgets(settings, paths):
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        text = "\n".join(screen_lines(app))
        assert "Question number 0: how does step 0 work?" in text
        assert "current_time" in text  # the first turn's tool call, as a row
        assert "▶ Reasoning" in text  # folded, as the widgets open by default
        assert rows.rows[0].content.startswith("Question number 0")
        assert len(screen.query("UserMessage")) < 30  # the widgets are the newest page only
    runtime.close()


async def test_dragging_over_rows_selects_their_text(settings, paths):
    """Rows offer Textual's selection as the widgets do: a drag selects what it covers."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        y = row_line(rows, "Question number 0")
        x = rows.render_line(y).text.index("Question")
        await pilot.mouse_down(rows, offset=(x, y))
        await pilot.hover(rows, offset=(x + 14, y))  # (the cell under the pointer is in)
        await pilot.mouse_up(rows, offset=(x + 14, y))  # (the cell under the pointer is in)
        await pilot.pause()
        assert screen.get_selected_text() == "Question number"
        below = row_line(rows, "Here is what I found about 0")
        await pilot.mouse_down(rows, offset=(x, y))
        await pilot.hover(rows, offset=(20, below))
        await pilot.mouse_up(rows, offset=(20, below))
        await pilot.pause()
        selected = screen.get_selected_text() or ""
        assert selected.startswith("Question number 0: how does step 0 work?")
        assert "current_time" in selected and "Here is what I" in selected
    runtime.close()


def drawn_text(rows: HistoryRows) -> str:
    """Every line of rows as drawn once all their heights are exact (each row rendered)."""
    width = rows.content_region.width
    for index, message in enumerate(rows.rows):
        rows._fix_height(index, len(rows.row_lines(message, width)))
    return "\n".join(rows.render_line(y).text.rstrip() for y in range(rows._total)).strip()


# Markdown whose height the estimate gets wrong: headings, a list, a table, a code block.
UNEVEN = (
    "## Step {n}\n\nFirst:\n\n- one\n- two\n\n| a | b |\n|---|---|\n| {n} | {n} |\n\n"
    "```python\nprint({n})\n```\n\nThat is step {n}, done."
)


def seed_uneven_session(store, turns: int) -> str:
    batch: list[Message] = []
    for n in range(turns):
        batch.append(Message("user", f"Question number {n}: how does step {n} work?"))
        batch.append(Message("assistant", UNEVEN.format(n=n), usage=Usage(10, 10, 0)))
    return store.import_session("Uneven", "mimo-v2.5-pro", {}, batch).id


async def test_select_all_over_rows_copies_each_row_once_as_drawn(settings, paths):
    """Select-all while most rows still have estimated (wrong) heights: the copy is the
    rows' text as they draw, every line once (not lines lost or doubled at those rows)."""
    app, runtime = make_app(settings, paths)
    sid = seed_uneven_session(runtime.store, 150)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        questions = sum(1 for m in rows.rows if m.role == "user")
        rows.text_select_all()
        copied = (screen.get_selected_text() or "").strip()
        assert copied == drawn_text(rows)
        for n in range(questions):
            assert copied.count(f"Question number {n}: how") == 1
    runtime.close()


async def test_a_selection_over_too_many_rows_copies_the_newest_and_says_so(settings, paths):
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        rows.copy_rows = 40
        rows.text_select_all()
        copied = screen.get_selected_text() or ""
        left_out = len(rows.rows) - 40
        assert copied.startswith(f"[{left_out} earlier messages not copied:")
        newest = next(m for m in reversed(rows.rows) if m.role == "user")
        assert newest.content in copied
        assert "Question number 0: how" not in copied
    runtime.close()


async def test_a_click_on_a_rows_reasoning_header_unfolds_it(settings, paths):
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        y = row_line(rows, "▶ Reasoning")
        await pilot.click(rows, offset=(4, y))
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "▼ Reasoning" in text and "Turn 0 needs the time tool." in text
        await pilot.click(rows, offset=(4, y))
        await pilot.pause()
        assert "Turn 0 needs the time tool." not in "\n".join(screen_lines(app))
    runtime.close()


async def test_home_on_rows_mounts_the_start_and_focuses_its_first_message(settings, paths):
    """Home after scrolling back: the first messages as widgets (c, e, g work on them)."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    first = runtime.store.messages(sid)[0]
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await at_the_top(pilot, screen)
        await screen.conversation.jump_to_start()
        await pilot.pause()
        assert getattr(app.focused, "message", None) is not None
        assert app.focused.message.id == first.id
        rows = screen.conversation.rows
        assert rows is None or not rows.rows
    runtime.close()


async def test_the_compaction_marker_is_drawn_among_the_rows_at_its_cut(settings, paths):
    """A compaction whose cut lies far back: scrolled back to, the rows show its marker just
    above the first message sent as it is, the originals above it."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    stored = runtime.store.messages(sid)
    cut = next(m for m in stored[20:] if m.role == "user")
    runtime.store.add_compaction(sid, cut.id, "- what came before", covered=20)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        assert not screen.query("CompactionSummary")  # the cut is not among the widgets
        index = next(i for i, m in enumerate(rows.rows) if m.id == cut.id)
        y = rows._start(index)
        screen.conversation.scroll_to(y=max(0, y - 5), animate=False, immediate=True)
        await pilot.pause()
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Summary · sent instead of 20 earlier messages" in text
        lines = [rows.render_line(y - 1).text, rows.render_line(y + 1).text]
        assert "Summary" in lines[0] and cut.content in lines[1]
    runtime.close()


async def test_scrolling_up_into_rows_not_drawn_yet_keeps_what_is_on_screen(settings, paths):
    """Rows drawn for the first time get their real height, but what the user was reading
    stays put: each step up by three lines moves the screen by exactly three lines."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    for n, message in enumerate(runtime.store.messages(sid)):
        if message.role == "assistant" and message.content:  # estimated far off either way
            message.content = "para\n\n\n\n\n\n\nend" if n % 2 else "word " * 300
            runtime.store.update_message(message)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        conv = screen.conversation
        await conv.load_earlier()
        await pilot.pause()
        conv.scroll_to(y=conv.rows.region.height + 5, animate=False, immediate=True)
        await pilot.pause()
        body = slice(2, 30)  # the conversation's lines, clear of the top bar and the input
        for _ in range(40):
            before = screen_lines(app)[body]
            conv.scroll_to(y=conv.scroll_y - 3, animate=False, immediate=True)
            await pilot.pause()
            await pilot.pause()
            after = screen_lines(app)[body]
            assert [line[:110] for line in after[3:]] == [line[:110] for line in before[:-3]]
    runtime.close()


def screen_line_of(app, text: str) -> int:
    return next(y for y, line in enumerate(screen_lines(app)) if text in line)


async def click_row(pilot, rows: HistoryRows, message) -> None:
    """Click the second line of a message's row (its text, not a reasoning header)."""
    index = rows.rows.index(message)
    await pilot.click(rows, offset=(10, rows._start(index) + 1))
    await pilot.pause()
    await pilot.pause()


async def test_a_click_on_a_row_focuses_its_message_where_it_is(settings, paths):
    """Clicking a question drawn as a row a little above the widgets focuses that question
    (its turn and the rows below become widgets, so c, e, g act on it), and it stays on
    the screen line that was clicked."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        conv = screen.conversation
        await conv.load_earlier()
        await pilot.pause()
        rows = conv.rows
        assert rows is not None
        target = next(m for m in reversed(rows.rows[:-6]) if m.role == "user")
        conv.scroll_to(y=rows._start(rows.rows.index(target)) - 10, animate=False, immediate=True)
        await pilot.pause()
        line = screen_line_of(app, target.content)
        await click_row(pilot, rows, target)
        assert type(app.focused).__name__ == "UserMessage"
        assert app.focused.message.id == target.id
        assert screen_line_of(app, target.content) == line
        assert all(m.id != target.id for m in rows.rows)  # a widget now, not a row
    runtime.close()


async def test_a_click_on_a_reply_far_back_focuses_it_with_its_fold(settings, paths):
    """At the top of a long session (hundreds of rows below), a click on a reply focuses
    that reply, shown with the page around it, on the line that was clicked; a reasoning
    a click had unfolded stays unfolded."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        reply = next(m for m in rows.rows if m.role == "assistant" and m.content)
        await pilot.click(rows, offset=(4, rows._start(rows.rows.index(reply))))  # unfold it
        await pilot.pause()
        assert "▼ Reasoning" in "\n".join(screen_lines(app))
        line = screen_line_of(app, "Here is what I found about 0")
        await click_row(pilot, rows, reply)
        focused = app.focused
        assert type(focused).__name__ == "StoredReply" and focused.message.id == reply.id
        assert focused.reasoning_open
        assert screen_line_of(app, "Here is what I found about 0") == line
        assert "Reasoning about step 0: consider the cases." in "\n".join(screen_lines(app))
    runtime.close()


async def test_a_click_on_a_tool_row_shows_the_call_in_the_inspector(settings, paths):
    """A tool call drawn as a row does what its line does when clicked: the inspector
    opens on that call."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        tool = next(m for m in rows.rows if m.role == "tool")
        await pilot.click(rows, offset=(10, rows._start(rows.rows.index(tool))))
        await pilot.pause()
        await pilot.pause()
        assert screen.inspector.display
        assert screen.inspector.selected.endswith(tool.tool_call_id)
    runtime.close()


def seed_turns(store, turns: int, body) -> str:
    """A session of `turns` question/answer turns, answer n being body(n)."""
    session = store.create_session("mimo-v2.5-pro")
    for n in range(turns):
        store.add_message(session.id, Message("user", f"Question {n}"))
        reply = Message("assistant", body(n), f"Thinking about {n}.", usage=Usage(1, 1, 0))
        store.add_message(session.id, reply)
    return session.id


def tall(n: int) -> str:
    return "\n".join(f"line {i} of answer {n}" for i in range(15))


def markers(conv) -> int:
    """Compaction markers on the column: widgets, and lines the rows draw."""
    rows = conv.rows
    drawn = 0
    if rows is not None:
        rows._layout(conv.scrollable_content_region.width)
        drawn = sum(1 for y in range(rows._total) if "Summary" in rows._line(y).text)
    return len(conv.query_children("CompactionSummary")) + drawn


@pytest.mark.parametrize("turns, cut_at", [(5, 2), (12, "first widget")])
async def test_the_compaction_marker_is_drawn_once_when_a_session_opens(
    settings, paths, turns, cut_at
):
    """Opened with a screenful of widgets and the rest of its page as rows, a session shows
    its compaction marker exactly once: among the rows, or above the first widget."""
    app, runtime = make_app(settings, paths)
    sid = seed_turns(runtime.store, turns, tall)
    stored = runtime.store.messages(sid)
    page = stored[-12:]
    cut = page[screenful_start(page, *SIZE)] if cut_at == "first widget" else stored[cut_at]
    runtime.store.add_compaction(sid, cut.id, "- before", covered=4)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await pilot.pause()
        assert markers(screen.conversation) == 1
    runtime.close()


async def test_copy_code_and_fold_all_reach_the_rows_of_the_newest_page(settings, paths):
    """Ctrl+Y copies the newest code block though its reply opened as a row (the newest
    page is only partly widgets); Ctrl+O folds the rows' reasoning with the widgets'."""
    app, runtime = make_app(settings, paths)
    code = "code:\n\n```python\nprint('from the rows')\n```\n"
    sid = seed_turns(runtime.store, 6, lambda n: code if n == 2 else tall(n))
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await pilot.pause()
        rows = screen.conversation.rows
        assert rows is not None and any("print(" in m.content for m in rows.rows)
        assert last_code_block(screen.conversation).code == "print('from the rows')"
        assert not rows.reasoning_open
        await pilot.press("ctrl+o")  # every reasoning open, the rows' too
        await pilot.pause()
        assert rows.reasoning_open and not rows.toggled
        screen.conversation.scroll_home(animate=False)
        await pilot.pause()
        assert "Thinking about 0." in "\n".join(screen_lines(app))
    runtime.close()


async def test_a_click_far_back_while_a_reply_streams_keeps_the_reply(settings, paths, fake):
    """The page around a message far back would replace the widgets, the reply in flight
    among them: while it streams, such a click leaves the column as it is."""
    fake.queue(scenario("text", stall_after=2))
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await send(pilot, "hi")
        await wait_until(pilot, lambda: screen.busy)
        live = screen.conversation.children[-1]
        rows = await at_the_top(pilot, screen)
        await click_row(pilot, rows, next(m for m in rows.rows if m.role == "user"))
        assert live.is_attached and screen.busy
    runtime.close()


async def test_a_fold_set_on_a_row_does_not_outlive_its_widget(settings, paths):
    """A reasoning unfolded on a row goes with its message into a widget; folded there
    again, it stays folded when the same message is shown again later."""
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        conv = screen.conversation
        await conv.load_earlier()
        await pilot.pause()
        rows = conv.rows
        reply = next(
            m for m in reversed(rows.rows[:-20]) if m.role == "assistant" and m.reasoning_content
        )
        rows.toggled ^= {reply.id}  # what a click on its header does
        widget = await conv.show_around(reply.id)
        assert widget.reasoning_open
        widget.toggle_reasoning()  # folded again, on the widget
        await pilot.pause()
        assert not (await conv.show_around(reply.id)).reasoning_open
    runtime.close()


async def test_a_click_on_the_margin_below_a_row_focuses_nothing(settings, paths):
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        question = rows.rows[0]
        assert question.role == "user"
        body = len(rows.row_lines(question, rows.content_region.width))
        await pilot.click(rows, offset=(10, rows._start(0) + body))  # the blank line under it
        await pilot.pause()
        assert getattr(app.focused, "message", None) is None  # (the column itself, at most)
        assert rows.rows[0] is question  # still a row
    runtime.close()


async def test_home_and_a_search_hit_while_a_reply_streams_keep_the_reply(settings, paths, fake):
    """Home while a reply streams goes to the top of what is read (the first page would
    replace the widgets, the reply in flight among them); a search hit asks for the reply
    to be stopped first, as for another session."""
    from textual.widgets import Input

    from mimo_tui.ui.widgets.search import SearchScreen

    fake.queue(scenario("text", stall_after=2))
    app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 600)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        await send(pilot, "hi")
        await wait_until(pilot, lambda: screen.busy)
        live = screen.conversation.children[-1]
        conv = screen.conversation
        await conv.jump_to_start()
        await pilot.pause()
        assert live.is_attached and not conv.is_vertical_scroll_end  # up, reply kept
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        app.screen.query_one(Input).value = "Question number 3:"
        await wait_until(pilot, lambda: bool(app.screen.hits))
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
        await pilot.pause()
        assert live.is_attached and screen.busy
        assert "Stop the reply first (Escape)." in [str(n.message) for n in app._notifications]
    runtime.close()


async def test_a_selection_stays_on_its_text_as_rows_above_it_settle(settings, paths):
    """Rows above a selection are drawn (and their estimated heights corrected) as the user
    scrolls up after selecting: the selection keeps to the text it was made over."""
    app, runtime = make_app(settings, paths)
    sid = seed_uneven_session(runtime.store, 300)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await screen.open_session(sid)
        rows = await at_the_top(pilot, screen)
        conv = screen.conversation
        conv.scroll_to(y=rows._total // 2, animate=False, immediate=True)
        await pilot.pause()
        await pilot.pause()
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "Question number" in line and i > 3)
        x, y = lines[at].index("Question"), at - rows.region.y
        await pilot.mouse_down(rows, offset=(x, y))
        await pilot.hover(rows, offset=(x + 20, y))
        await pilot.mouse_up(rows, offset=(x + 20, y))
        await pilot.pause()
        selected = screen.get_selected_text()
        assert selected and "number" in selected
        settled = len(rows._heights)
        for _ in range(6):  # up, a few screens: the rows there settle
            conv.scroll_to(y=conv.scroll_y - 30, animate=False, immediate=True)
            await pilot.pause()
            await pilot.pause()
        assert len(rows._heights) > settled  # (rows above did settle)
        assert screen.get_selected_text() == selected
    runtime.close()
