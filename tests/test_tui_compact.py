"""Compaction from the TUI's palette: the next request sends the summary, undo sends all."""

from __future__ import annotations

from mimo_tui.compaction import SUMMARY_HEADER
from tests.tui_helpers import make_app, screen_lines, send, wait_until

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
