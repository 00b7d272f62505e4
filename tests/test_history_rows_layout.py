"""HistoryRows' geometry without drawing: rows added a page at a time, and heights corrected
one row at a time, end where a layout of all the rows from scratch puts them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mimo_tui.compaction import Compaction
from mimo_tui.model import Message
from mimo_tui.ui.widgets.history_rows import HistoryRows
from mimo_tui.ui.widgets.row_heights import screenful_start
from mimo_tui.ui.widgets.summary import marker_among_widgets

ROLES = st.sampled_from(["user", "assistant", "tool"])


def messages(kinds: list[tuple[str, int]]) -> list[Message]:
    out = []
    for n, (role, size) in enumerate(kinds, start=1):
        out.append(Message(role, "word " * size + "\n" * (size % 3), id=n))
    return out


def starts(rows: HistoryRows) -> list[int]:
    return [rows._start(i) for i in range(len(rows.rows))]


def from_scratch(rows: HistoryRows) -> tuple[list[int], int]:
    rows._dirty = True
    rows._layout(rows._width)
    return starts(rows), rows._total


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.tuples(ROLES, st.integers(0, 60)), min_size=1, max_size=40),
    page=st.integers(1, 9),
    fixes=st.lists(st.tuples(st.integers(0, 39), st.integers(1, 30)), max_size=6),
    cut=st.integers(1, 40),
)
def test_pages_and_corrections_match_a_layout_from_scratch(kinds, page, fixes, cut):
    rows = HistoryRows()
    rows.compaction = Compaction(1, "s", cut, "summary", True, 0.0, 3)
    stored = messages(kinds)
    added = 0
    while stored:  # newest pages first, as scrolling up reads them
        stored, older = stored[:-page], stored[-page:]
        before = rows.height_now()
        added += rows.prepend(older)
        assert rows.height_now() - before >= 0
    assert added == rows.height_now()
    incremental = (starts(rows), rows._total)
    assert incremental == from_scratch(rows)
    for index, height in fixes:
        if index < len(rows.rows):
            rows._fix_height(index, height)
    incremental = (starts(rows), rows._total)
    assert incremental == from_scratch(rows)
    ordered = starts(rows)
    assert ordered == sorted(ordered) and all(rows._row_at(y) == i for i, y in enumerate(ordered))


def test_the_compaction_marker_goes_among_the_widgets_only_when_its_cut_is_there():
    """Among the rows when the cut is there (the rows draw it), not yet when the cut lies
    above everything read so far, among the widgets otherwise."""
    c = Compaction(1, "s", before_id=50, summary="- before", active=True, created_at=0.0)
    rows = [Message("user", "q", id=40), Message("assistant", "a", id=41)]
    assert marker_among_widgets(None, rows, False, 40) is None
    assert marker_among_widgets(c, rows, True, 40) is c  # the cut is below the rows
    assert marker_among_widgets(c, [*rows, Message("user", "q", id=55)], True, 40) is None
    assert marker_among_widgets(c, [], True, 60) is None  # more unread above the cut
    assert marker_among_widgets(c, [], False, 60) is c  # the session starts after it


def test_a_screenful_starts_at_the_question_of_the_oldest_turn_it_needs():
    turn = [Message("user", "q", id=1), Message("assistant", "line\n" * 9, id=2)]
    page = [Message(m.role, m.content, id=m.id + 10 * n) for n in range(5) for m in turn]
    assert screenful_start(page, 80, 1) == 8  # the newest turn alone covers one line
    assert screenful_start(page, 80, 30) == 4  # three turns of ~14 lines
    assert page[screenful_start(page, 80, 30)].role == "user"
    assert screenful_start(page, 80, 10_000) == 0  # a screen taller than the page: all
