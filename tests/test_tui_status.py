"""The status line at 80, 120 and 200 columns: the most useful parts always fit, shortened or
dropped whole, lowest priority first; never a part cut off, never a number shown half."""

from __future__ import annotations

import re

import pytest

from mimo_tui.fake.scenarios import scenario
from mimo_tui.ui.widgets.status import Part, StatusLine, fit
from tests.tui_helpers import make_app, screen_lines, send

NUMBER = re.compile(r"\d+(?:\.\d+)?[kM]?")


def whole_parts_only(line: str, status: StatusLine) -> None:
    """Every number shown is one of the parts' numbers, and the line ends where a part does."""
    forms = [form for part in status.parts for form in part.forms]
    known = {n for form in forms for n in NUMBER.findall(form)}
    assert set(NUMBER.findall(line)) <= known, line
    assert any(line.endswith(form) for form in forms), line


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_the_status_line_keeps_the_useful_parts_whole(settings, paths, fake, width):
    fake.queue(scenario("thinking_text", reasoning="step " * 3000, content="word " * 1200))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(width, 30)) as pilot:
        await send(pilot, "a long one")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = app.screen.query_one(StatusLine)
        row = screen_lines(app)[-2]  # above the footer
        line = row.strip()
        usage = runtime.store.messages(app.screen.session_id)[-1].usage
        assert usage and usage.reasoning_tokens >= 3000
        assert len(row.rstrip()) <= width - 1  # inside its padding: nothing cut at the edge
        whole_parts_only(line, status)
        assert line.startswith(settings.model)
        assert re.search(r"\b(reasoning|rsn)\b", line)  # the reasoning count, whole
        if width >= 120:  # the session totals show from 120 columns
            assert "│ session " in line
        if width == 200:  # and in full at 200
            total = f"session {usage.prompt_tokens} in · {usage.completion_tokens} out"
            assert total in line and f"{usage.reasoning_tokens} reasoning" in line
    runtime.close()


def test_fit_shortens_then_drops_the_lowest_priority_first():
    parts = [
        Part(0, 90, ("model-name",)),
        Part(1, 70, ("last 1234 in · 567 out", "last 567 out")),
        Part(1, 30, ("3 tools",)),
        Part(2, 55, ("session 9999 in · 8888 out", "session 8.9k out")),
    ]
    full = fit(parts, 200)
    assert full == "model-name │ last 1234 in · 567 out · 3 tools │ session 9999 in · 8888 out"
    assert fit(parts, len(full)) == full
    narrower = fit(parts, len(full) - 1)  # the lowest priority goes first, whole
    assert narrower == "model-name │ last 1234 in · 567 out │ session 9999 in · 8888 out"
    shorter = fit(parts, len(narrower) - 1)  # then the next lowest is shortened
    assert shorter == "model-name │ last 1234 in · 567 out │ session 8.9k out"
    assert fit(parts, len(shorter) - 1) == "model-name │ last 1234 in · 567 out"
    assert fit(parts, 10) == "model-name"
    assert fit(parts, 3) == ""  # nothing is cut: a part shows whole or not at all
