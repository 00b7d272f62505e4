"""Compaction from the TUI's palette: the next request sends the summary, undo sends all."""

from __future__ import annotations

from mimo_tui.compaction import SUMMARY_HEADER
from tests.tui_helpers import burst, make_app, screen_lines, send, wait_until

SIZE = (120, 40)


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def palette(pilot, command: str) -> None:
    """Run a command palette entry the way a person does: Ctrl+P, type, Enter."""
    await pilot.press("ctrl+p")
    for ch in command:
        await pilot.press(ch if ch != " " else "space")
    # The palette searches in the background: Enter once the command is listed.
    await wait_until(pilot, lambda: command in "\n".join(screen_lines(pilot.app)))
    await pilot.press("enter")


async def test_compact_from_the_palette_then_undo(settings, paths, fake):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        for i in range(3):
            await send(pilot, f"question number {i} about topic{i}")
            await wait_until(pilot, lambda n=i: len(fake.chat_requests()) == n + 1)
            await wait_until(pilot, lambda: not app.screen.busy)
        await palette(pilot, "Compact this")
        await wait_until(pilot, lambda: any(n.startswith("Compacted:") for n in _notes(app)))
        assert fake.chat_requests()[-1].body["thinking"] == {"type": "disabled"}
        await send(pilot, "and topic9?")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 5)
        await wait_until(pilot, lambda: not app.screen.busy)
        sent = fake.chat_requests()[-1].body["messages"]
        assert SUMMARY_HEADER in sent[0]["content"] and "topic0" in sent[0]["content"]
        assert "question number 0 about topic0" not in [m.get("content") for m in sent]
        # Undo (from the palette too) sends every message again.
        await palette(pilot, "Undo compaction")
        await wait_until(pilot, lambda: any("Compaction undone" in n for n in _notes(app)))
        await send(pilot, "last")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 6)
        await wait_until(pilot, lambda: not app.screen.busy)
        sent = fake.chat_requests()[-1].body["messages"]
        assert "question number 0 about topic0" in [m.get("content") for m in sent]
    runtime.close()


async def _three_turns(pilot, fake) -> None:
    for i in range(3):
        await send(pilot, f"question number {i} about topic{i}")
        await wait_until(pilot, lambda n=i: len(fake.chat_requests()) == n + 1)
        await wait_until(pilot, lambda: not pilot.app.screen.busy)


def _marker(app):
    from mimo_tui.ui.widgets.summary import CompactionSummary

    found = list(app.screen.query(CompactionSummary))
    return found[0] if found else None


async def _compacted(pilot, fake):
    """Three turns, then F12: the summary's marker once it is on screen."""
    await _three_turns(pilot, fake)
    await pilot.press("f12")
    await wait_until(pilot, lambda: _marker(pilot.app) is not None)
    return _marker(pilot.app)


async def test_the_summary_is_shown_at_the_cut_folded_and_unfolds(settings, paths, fake):
    """F12 compacts; the summary's marker sits above the first message still sent as it is,
    folded to one line; Enter and a click unfold and fold it; reopening shows it again."""
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        marker = await _compacted(pilot, fake)
        conv = app.screen.conversation
        after = conv.children[conv.children.index(marker) + 1]
        assert after.message.content == "question number 1 about topic1"  # keeps 2 turns
        await pilot.pause()
        conv.release_anchor()  # a person scrolling up to it
        conv.scroll_to_widget(marker, animate=False, top=True)
        title = "Summary · sent instead of 2 earlier messages"
        await wait_until(pilot, lambda: title in "\n".join(screen_lines(app)))
        text = "\n".join(screen_lines(app))
        assert "Summary · sent instead of 2 earlier messages" in text
        conv.scroll_home(animate=False)
        await pilot.pause()  # the originals stay on screen, above the marker
        assert "question number 0 about topic0" in "\n".join(screen_lines(app)[2:])
        assert "- topic0" not in text and "topic0" not in marker.render().plain.split("\n", 1)[0]
        marker.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert marker.open and "topic0" in marker.render().plain
        await pilot.click(marker, offset=(4, 0))
        await pilot.pause()
        assert not marker.open
        # Reopened from the store, the marker is there again, once: as a widget, or drawn
        # among the rows above them (where the session's newest page ends depends on how
        # tall the demo's answers are).
        from tests.test_tui_history_rows import markers

        await app.screen.load_session(app.screen.session_id)
        await wait_until(pilot, lambda: markers(app.screen.conversation) == 1)
    runtime.close()


async def test_editing_the_summary_changes_what_the_next_request_sends(settings, paths, fake):
    """`e` on the marker opens the summary in an editor; Save (clicked) stores the edit and
    the next request's system prompt carries the edited text instead."""
    from mimo_tui.ui.widgets.dialogs import EditText

    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        (await _compacted(pilot, fake)).focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditText))
        area = app.screen.query_one("#text")
        area.text = "The user asked about zebras."
        await pilot.click("#accept")
        await wait_until(pilot, lambda: any("Summary saved" in n for n in _notes(app)))
        assert "zebras" in _marker(app).compaction.summary
        await send(pilot, "and then?")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 5)
        await wait_until(pilot, lambda: not app.screen.busy)
        system = fake.chat_requests()[-1].body["messages"][0]["content"]
        assert "zebras" in system and "topic0" not in system
    runtime.close()


async def test_keys_typed_right_after_e_on_the_marker_go_into_the_summary(settings, paths, fake):
    """`e` then "uz" in one burst: the `u` had undone the compaction under the editor on its
    way; now both letters are typed into the summary."""
    from mimo_tui.ui.widgets.dialogs import EditText

    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        marker = await _compacted(pilot, fake)
        marker.focus()
        await pilot.pause()
        burst(app, "uz", first="e")
        await wait_until(pilot, lambda: isinstance(app.screen, EditText))
        area = app.screen.query_one("#text")
        await wait_until(pilot, lambda: area.text.endswith("uz"))
        assert area.text == marker.compaction.summary + "uz"
        assert runtime.store.active_compaction(app.screen_stack[0].session_id) is not None
        assert len(app.screen_stack) == 2
    runtime.close()


async def test_u_on_the_marker_undoes_and_the_marker_goes(settings, paths, fake):
    """`u` on the marker undoes the compaction: the marker goes, every message is sent."""
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        (await _compacted(pilot, fake)).focus()
        await pilot.press("u")
        await wait_until(pilot, lambda: _marker(app) is None)
        await send(pilot, "last")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 5)
        await wait_until(pilot, lambda: not app.screen.busy)
        sent = [m.get("content") for m in fake.chat_requests()[-1].body["messages"]]
        assert "question number 0 about topic0" in sent
    runtime.close()
