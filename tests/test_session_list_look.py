"""The session list scans at a glance: title, relative date, messages, tokens, model and
format badges; one line per session at 100 columns or more, two tidy lines below."""

from __future__ import annotations

import json
from datetime import datetime

from mimo_tui.model import SessionSummary
from mimo_tui.ui.widgets.session_list import session_label
from mimo_tui.ui.widgets.when import relative_time

NOW = datetime(2026, 5, 12, 12, 0).timestamp()  # a Tuesday, local time


def test_relative_dates_read_like_a_person_says_them():
    assert relative_time(NOW - 5, NOW) == "just now"
    assert relative_time(NOW + 30, NOW) == "just now"  # a clock a little ahead
    assert relative_time(NOW - 12 * 60, NOW) == "12 min ago"
    assert relative_time(NOW - 2 * 3600 - 5, NOW) == "2 h ago"
    assert relative_time(NOW - 26 * 3600, NOW) == "yesterday"
    assert relative_time(NOW - 3 * 86400, NOW) == "Sat"
    assert relative_time(NOW - 20 * 86400, NOW) == "22 Apr"
    assert relative_time(NOW - 400 * 86400, NOW) == "2025-04-07"


def _session(title: str, api: str = "openai") -> SessionSummary:
    settings = json.dumps({"api": api})
    return SessionSummary(
        "s1", title, "mimo-v2.5-pro", NOW - 7200, 14, 38_200, settings
    )  # fmt: skip


def test_a_wide_list_gives_each_session_one_line_with_badges():
    label = session_label(_session("Refactor the paging"), False, 90, NOW, wide=True)
    text = label.plain
    assert "\n" not in text and len(text) <= 90
    for part in ("Refactor the paging", "2 h ago", "14 msgs", "38k tok", "v2.5-pro", "OpenAI"):
        assert part in text


def test_a_narrow_list_gives_two_lines_that_never_wrap_to_column_zero():
    title = "周末去杭州玩两天，怎么安排？" * 3  # CJK: two cells a character
    label = session_label(_session(title, "anthropic"), True, 60, NOW, wide=False)
    first, second = label.plain.split("\n")
    from rich.cells import cell_len

    assert cell_len(first) <= 60 and first.endswith("2 h ago") and "…" in first
    assert first.startswith("● ")
    assert second.startswith("    14 msgs · 38k tok") and "Anthropic" in second
    assert cell_len(second) <= 60
