"""Compaction from the chat: the palette's *Compact this session* and *Undo compaction*.

The work is the core's (mimo_tui.compaction: where the cut falls, the summary request, what
replay sends afterwards); this module only asks it from the screen and says what happened.
The conversation keeps showing every message: compaction changes what is sent, not what is
stored or shown. The summary itself is shown at the cut (ui/widgets/summary.py), where `e`
edits it before it is next sent and `u` undoes the compaction.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from mimo_tui.compaction import Compaction, NothingToCompact, compact
from mimo_tui.errors import ApiError
from mimo_tui.ui.safe import notify_safe

if TYPE_CHECKING:
    from mimo_tui.ui.chat import ChatScreen


async def compact_session(screen: ChatScreen) -> None:
    """Summarise all but the last `compact_keep_turns` turns of the open session."""
    runtime = screen.runtime
    if screen.busy:
        screen.notify("Wait for the reply to finish, then compact.", markup=False, timeout=3)
        return
    if not runtime.has_key:
        screen.notify(
            "Compacting asks the model for a summary: set an API key first (F5).",
            markup=False,
            timeout=4,
        )
        return
    engine = runtime.engine
    assert engine.client is not None
    keep = runtime.settings.compact_keep_turns
    screen.notify(
        f"Compacting: asking {runtime.settings.model} for a summary of all but the last "
        f"{keep} turns…",
        markup=False,
        timeout=3,
    )
    try:
        done = await compact(
            runtime.store,
            engine.client,
            screen.session_id,
            runtime.settings.model,
            engine.current_system_prompt(),
            keep_turns=keep,
        )
    except NothingToCompact as exc:
        screen.notify(str(exc).capitalize() + ".", markup=False, timeout=4)
        return
    except ApiError as exc:
        notify_safe(screen, f"Compaction failed; nothing changed. {exc}", severity="error")
        return
    c = done.compaction
    await screen.conversation.set_compaction(c)
    screen.notify(
        f"Compacted: {c.covered} older messages are now sent as a {len(c.summary):,}-character "
        f"summary ({done.bytes_before / 1000:,.0f} kB → {done.bytes_after / 1000:,.0f} kB per "
        "request). Every message stays here, in search and in exports; *Undo compaction* in "
        "the palette sends them all again.",
        markup=False,
        timeout=8,
    )


async def undo_compaction(screen: ChatScreen) -> None:
    """Replay every message again (the summary is kept, marked undone)."""
    store = screen.runtime.store
    active = store.active_compaction(screen.session_id)
    if active is None:
        screen.notify("This session is not compacted.", markup=False, timeout=3)
        return
    store.set_compaction(active.id, active=False)
    await screen.conversation.set_compaction(None)
    screen.notify("Compaction undone: every message is sent again.", markup=False, timeout=4)


def edit_summary(screen: ChatScreen) -> None:
    """Edit the active summary; the next request sends the edited text. The editor opens
    now (dialogs.ask): what is typed in one burst with `e` goes into it."""
    from mimo_tui.ui.widgets.dialogs import EditText, ask

    active = screen.runtime.store.active_compaction(screen.session_id)
    if active is None:
        screen.notify("This session is not compacted.", markup=False, timeout=3)
        return
    title = f"The summary sent instead of {active.covered} earlier messages"
    answer = ask(screen.app, EditText(title, active.summary, accept="Save"))
    screen.run_worker(_save_summary(screen, active, answer), group="dialog")


async def _save_summary(
    screen: ChatScreen, active: Compaction, answer: Awaitable[str | None]
) -> None:
    text = await answer
    if text is None or text.strip() == active.summary.strip():
        return
    if not text.strip():
        screen.notify("Not saved: the summary is empty (u undoes it).", markup=False, timeout=4)
        return
    store = screen.runtime.store
    store.set_compaction(active.id, active=True, summary=text.strip())
    await screen.conversation.set_compaction(store.active_compaction(screen.session_id))
    screen.notify("Summary saved; the next request sends it.", markup=False, timeout=3)
