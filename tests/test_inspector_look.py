"""The inspector lists every call of the session (round, place in the round, name,
status, time) in a table as tall as its rows, the selected call's details below."""

from __future__ import annotations

from textual.app import App, ComposeResult

from mimo_tui.model import ToolRecord
from mimo_tui.ui.widgets.inspector import ToolInspector
from tests.tui_helpers import screen_lines

CALLS = [
    ToolRecord("a", "current_time", "{}", 1, "done", "9:30", duration_ms=3, assistant_message_id=1),
    ToolRecord("b", "read_file", '{"path": "x"}', 1, "failed", assistant_message_id=1),
    ToolRecord("c", "read_file", "{}", 2, "done", "ok", duration_ms=12, assistant_message_id=2),
    ToolRecord("d", "get_weather", "{}", 1, "denied", "", assistant_message_id=5),
]


class Host(App):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        from mimo_tui.ui.themes import VARIABLE_DEFAULTS

        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        inspector = ToolInspector(lambda _id: ("{}", "{}"))
        inspector.add_class("-open", "-full")
        inspector.set_records(CALLS)
        yield inspector


def rows(table) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_every_call_is_listed_with_its_round_and_place_in_the_round():
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        inspector = app.query_one(ToolInspector)
        table = inspector.table
        assert [r[1:] for r in rows(table)] == [
            ["1", "1", "1", "current_time", "done", "0.00 s"],
            ["2", "1", "2", "read_file", "failed", ""],
            ["3", "2", "1", "read_file", "done", "0.01 s"],
            ["4", "1", "1", "get_weather", "denied", ""],  # a later turn starts at round 1
        ]
        assert table.size.height == len(CALLS) + 1  # every row shown, no scroller


async def test_a_click_on_a_call_shows_its_details_below():
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        inspector = app.query_one(ToolInspector)
        table = inspector.table
        assert await pilot.click(table, offset=(10, 2))  # the second call's row
        await pilot.pause()
        assert inspector.selected == CALLS[1].key
        body = app.query_one("#detail-body")
        assert body.region.y >= table.region.bottom  # below the list
        text = "\n".join(screen_lines(app))
        assert "read_file · failed · round 1, call 2" in text


async def test_a_call_that_ran_no_process_shows_no_exit_code():
    """A built-in tool has no process, so no exit code: its details say how long it took
    and nothing about an exit code (they said `exit code: None`)."""
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        inspector = app.query_one(ToolInspector)
        assert await pilot.click(inspector.table, offset=(10, 1))  # current_time, built in
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "current_time · done · round 1, call 1" in text
        assert "duration: 0.00 s" in text and "exit code" not in text


class LazyHost(Host):
    """The calls given as a loader, as ChatScreen gives a stored session's."""

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    def load(self) -> list[ToolRecord]:
        self.loads += 1
        return CALLS[:3]

    def compose(self) -> ComposeResult:
        inspector = ToolInspector(lambda _id: ("{}", "{}"))
        inspector.add_class("-open", "-full")
        inspector.set_loader(self.load)
        # A call of the turn running before the inspector is first shown: kept over the
        # stored version of the same call (its status here is newer).
        inspector.update_record(CALLS[2]._replace(status="running"))
        inspector.update_record(CALLS[3])
        yield inspector


async def test_stored_calls_given_as_a_loader_are_read_once_with_the_live_ones_kept():
    app = LazyHost()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        table = app.query_one(ToolInspector).table
        assert [r[4:6] for r in rows(table)] == [
            ["current_time", "done"],
            ["read_file", "failed"],
            ["read_file", "running"],
            ["get_weather", "denied"],
        ]
        assert app.loads == 1


async def test_calls_of_a_turn_before_the_inspector_is_shown_do_not_read_the_store():
    app = LazyHost()
    async with app.run_test(size=(100, 40)) as pilot:
        inspector = app.query_one(ToolInspector)
        await inspector.remove()  # as before the chat screen first shows it
        await pilot.pause()
        fresh = ToolInspector(lambda _id: ("{}", "{}"))
        fresh.set_loader(app.load)
        fresh.update_record(CALLS[3]._replace(status="running"))
        assert app.loads == 1  # only the first inspector's, when it was shown
        assert [r.call_id for r in fresh.unfinished()] == ["d"]
        assert app.loads == 1
        assert list(fresh.records) == [c.key for c in CALLS[:4]]  # read when asked for
        assert app.loads == 2
